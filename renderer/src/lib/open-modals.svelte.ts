// How many modal dialogs are open. A modal makes the rest of the page inert, so while one is
// open the studio's notices are shown inside it (Modal.svelte), where they can be seen and
// dismissed, and not behind its backdrop.
export const openModals = $state({ count: 0 });

/** The context key under which App.svelte gives every Modal the studio (for its notices). */
export const STUDIO_CONTEXT = Symbol('studio');
