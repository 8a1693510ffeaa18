// The StudioApi contract: everything the UI can ask of the studio, one typed interface plus
// runtime schemas for every request. The Electron main process (over IPC) and the loopback
// host (over HTTP) both implement it with the same service; the renderer calls it through
// either transport without knowing which. This file must stay free of Node imports: the
// renderer bundles it.
import { z } from 'zod';

// -- values ---------------------------------------------------------------------------------

export const DeviceSettingSchema = z.enum(['auto', 'cuda', 'cpu']);
export type DeviceSetting = z.infer<typeof DeviceSettingSchema>;
/** The order of the library's photos: by file name, or by the date taken, newest or oldest first. */
export const PhotoOrderSchema = z.enum(['name', 'newest', 'oldest']);
export type PhotoOrder = z.infer<typeof PhotoOrderSchema>;

const id = z.number().int().positive();
const attributeName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}_ -]+$/u, 'letters, digits, spaces, - and _ only');

/** Slider amounts by attribute name; 0 is no change, +-1 about one standard step. */
export const SlidersSchema = z.record(attributeName, z.number().finite().min(-3).max(3));

export const MixSchema = z.object({
  /** The second face, whose latent is blended in. */
  faceId: id,
  /** 0 keeps this face, 1 takes the partner's. */
  amount: z.number().finite().min(0).max(1),
  /** Optional per-level share of the partner (finest level first), multiplied by amount. */
  levels: z.array(z.number().finite().min(0).max(1)).max(8).optional(),
});

/** A stroke of the editor's mask brush, which takes the edits back where it paints. */
export const MaskStrokeSchema = z.object({
  /** x0, y0, x1, y1, ... in photo pixels. */
  points: z.array(z.number().finite()).min(2).max(20_000),
  /** Brush diameter in photo pixels. */
  size: z.number().positive().max(20_000),
});
export type MaskStroke = z.infer<typeof MaskStrokeSchema>;
export const MaskStrokesSchema = z.array(MaskStrokeSchema).max(2_000);

export const RecipeSchema = z.object({
  sliders: SlidersSchema.default({}),
  mix: MixSchema.nullable().optional(),
});
export type Recipe = z.infer<typeof RecipeSchema>;

/** The editor's edits of a photo: each face's recipe, by face id, and the brush mask. */
export const EditorStateSchema = z.object({
  recipes: z.record(z.string().regex(/^\d+$/), RecipeSchema),
  mask: MaskStrokesSchema,
});

/** The states undo and redo of a photo step through, kept in the library so that undo reaches
 * edits made before the studio was last closed. `present` is the photo's edits when saved. */
export const EditHistorySchema = z.object({
  past: z.array(EditorStateSchema).max(200),
  present: EditorStateSchema,
  future: z.array(EditorStateSchema).max(200),
});
export type EditHistory = z.infer<typeof EditHistorySchema>;

export const ExportOptionsSchema = z.object({
  /** 'same': each photo in its own format (JPEG, PNG or WebP; other formats as JPEG). */
  format: z.enum(['same', 'jpeg', 'png', 'webp']).default('same'),
  quality: z.number().int().min(1).max(100).default(92),
  /** Longest side in pixels; omitted keeps the original size. */
  maxSize: z.number().int().min(16).max(65536).optional(),
  /** The location is left out unless the user keeps it (as the CLI does). */
  metadata: z.enum(['keep', 'strip-gps', 'strip']).default('strip-gps'),
  /** Tokens: {name} original base name, {attrs} slider summary, {n} running number. */
  nameTemplate: z.string().min(1).max(200).default('{name}-edited'),
});
export type ExportOptions = z.infer<typeof ExportOptionsSchema>;

// -- results --------------------------------------------------------------------------------

export interface ModelInfo {
  id: string;
  imageSize: number;
  /** Latent levels (finest first): the length of a mix's per-level weights. */
  levels: number;
  bundleDir: string;
}

export interface DeviceInfo {
  /** The execution provider that actually runs the model. */
  provider: 'cpu' | 'cuda';
  setting: DeviceSetting;
  /** Why CUDA is not in use, when it was wanted. */
  fallbackReason?: string;
}

export interface StudioStatus {
  model: ModelInfo;
  device: DeviceInfo;
  photos: number;
  faces: number;
  version: string;
}

/** The model bundle and device the studio runs: chosen in its settings and kept in the
 * library, unless the studio was launched with others (--bundle, --device). */
export interface Settings {
  bundleDir: string;
  device: DeviceSetting;
  /** The model the studio ships with. */
  shippedBundleDir: string;
  /** Whether the studio looks for new photos in the folders the user imported when it opens
   * (as "Look for new photos" does). */
  lookForNewPhotos: boolean;
  /** The order the library shows its photos in (listPhotos `order`), as the user last chose it. */
  photoOrder: PhotoOrder;
  /** Whether imports look for faces down to the size "Find smaller faces" does (a group photo's
   * back rows), where by default they stop at 4% of the photo's shorter side: slower. */
  smallFaces: boolean;
}

export interface FolderInfo {
  path: string;
  photos: number;
}

/** A folder on disk as the folder chooser shows it (browseFolder). */
export interface FolderListing {
  /** Absolute. */
  path: string;
  /** Absent at the file system's root. */
  parent?: string;
  /** The user's home folder, where the chooser starts. */
  home: string;
  /** Subfolders, dot folders left out, in file-manager order. */
  folders: { name: string; path: string }[];
  /** Photos in the folder itself (an import also takes those in its subfolders). */
  photos: number;
}

/** What removing a folder from the library takes out (removeFolder): its photos and its
 * subfolders' photos, missing ones included, with their faces and what hangs off them. */
export interface FolderContents {
  folder: string;
  photos: number;
  faces: number;
  /** Photos with a saved edit. */
  editedPhotos: number;
  /** Faces with at least one tag. */
  taggedFaces: number;
  /** Saved edits of faces outside the folder that mix with a face in it: they lose the mix. */
  mixesOutside: number;
}

/** What deleting one of the user's derived attributes changes (removeAttribute). */
export interface AttributeUse {
  name: string;
  /** Saved face edits that move its slider: they lose it. */
  edits: number;
  /** Photos those edits are in. */
  photos: number;
  /** Photos whose undo history moves it: their history is cleared. */
  histories: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a face was removed from its photo (removeFace), in the photo as shown. */
export interface RemovedPlace {
  id: number;
  box: Box;
}

export interface FaceInfo {
  id: number;
  photoId: number;
  box: Box;
  score: number;
  /** The aligned crop the model sees, as an image URL. */
  cropUrl: string;
  tags: Record<string, boolean>;
  recipe: Recipe | null;
  /** The face the saved recipe mixes with, which may be in another photo: to show it. */
  mixPartner?: { id: number; cropUrl: string; photoName: string };
}

export interface PhotoSummary {
  id: number;
  path: string;
  name: string;
  width: number;
  height: number;
  /** When the photo was taken, by its EXIF, as milliseconds of that wall-clock time read as
   * UTC (format it in UTC); absent where the photo gives no date. */
  takenMs?: number;
  faces: number;
  thumbUrl: string;
  edited: boolean;
  /** Attributes any face of the photo is tagged as having (not the has-not tags), sorted. */
  tags: string[];
  /** Every face found lies on its side the same way (1 or 3), or looks upside down to the
   * model (2): the quarter turns clockwise (rotatePhoto) that would set them upright. */
  suggestedTurns?: 1 | 2 | 3;
  /** Why the photo cannot be shown or edited now (getPhoto: its file is no longer there). */
  error?: string;
}

export interface PhotoDetail extends PhotoSummary {
  imageUrl: string;
  faceList: FaceInfo[];
  /** The brush mask: export leaves the photo as it was where it paints. */
  mask: MaskStroke[];
  /** Where the user removed faces from it (removeFace), oldest first: looking for faces again
   * passes over these places until bringBackFaces. */
  removedFaces: RemovedPlace[];
}

export interface AttributeInfo {
  name: string;
  source: 'builtin' | 'derived';
  /** The examples the direction was computed from: the model's training faces for a built-in
   * attribute, the user's tagged faces for a derived one. */
  positives: number;
  negatives: number;
  /** Leave-one-out accuracy on tagged faces, for derived attributes. */
  accuracy?: number;
  /** Where the library can be searched by it (listPhotos `face`): how often the search is
   * right (0..1), and the figures behind that, in a sentence. */
  search?: { accuracy: number; about: string };
  /** Another attribute with the same direction reversed, which the studio offers instead
   * (No_Beard's is Beard). Listed for recipes saved with this one. */
  supersededBy?: string;
}

/** A search by attribute in this library: the faces it finds, and how many of them are likely right. */
export interface FaceSearchInfo {
  /** Faces whose latent the model read for it (untagged, encoded by the running model). */
  read: number;
  /** Of those, the ones it reads on the side asked for. */
  found: number;
  /** Faces the user tagged on that side (found whatever their latent says). */
  tagged: number;
  /** 0..1: the share of the faces found and tagged that are likely on that side, from the
   * model's measured rates and the share of the faces read that it reads that way
   * (library/attribute-search.ts likelyRight). Absent with under 30 faces read, or without
   * measured rates. */
  likelyRight?: number;
}

/** One of the user's tags, over the whole library: faces tagged as having it / not having it. */
export interface TagCount {
  name: string;
  positives: number;
  negatives: number;
}

/** One edited face, ready to lay over the photo on the canvas: a full-resolution patch. */
export interface FaceLayer {
  faceId: number;
  /** Where the patch goes, in the photo's pixel coordinates. */
  box: Box;
  /** PNG data URL; transparent wherever the photo is unchanged. */
  image: string;
  /** Milliseconds the model and paste-back took. */
  ms: number;
  /** The fraction of the edit shown: 1, or less where the model could not render it all. */
  strength: number;
}

export interface DerivedAttribute extends AttributeInfo {
  method: 'mean-difference' | 'classifier';
  meanDifferenceAccuracy: number;
  classifierAccuracy: number;
  warnings: string[];
  /** A few faces that are not tagged for it, to preview the direction on. */
  previewFaces: PreviewFace[];
}

/** A face with the URL of its (upright) photo, to show edits of it in place. */
export interface PreviewFace extends FaceInfo {
  photoUrl: string;
}

export type JobState = 'queued' | 'running' | 'paused' | 'cancelled' | 'failed' | 'done';

export interface JobInfo {
  id: number;
  /** reencode: the faces another model encoded, encoded again with the running one (after a
   * model switch, or an update of the shipped model). faces: a look for smaller faces in every
   * photo of the library (lookForSmallerFaces). */
  kind: 'import' | 'batch' | 'export' | 'reencode' | 'faces';
  state: JobState;
  done: number;
  total: number;
  failed: number;
  current?: string;
  /** Items per second, over the job so far. */
  rate?: number;
  etaSeconds?: number;
  outDir?: string;
  errors: { file: string; message: string }[];
  /** Batches: photos exported with some faces left as they were (the model could not render the edit there). */
  unedited?: string[];
  /** Batches: photos in which no face was found (exported unchanged). */
  faceless?: string[];
  /** Batches: photos whose faces looked upside down, edited turned half a turn (their copies keep the photo's orientation). */
  upsideDown?: string[];
  /** Imports: the photos read and analysed, new to the library or changed (the others it knew). */
  newPhotos?: number;
  /** A look for smaller faces: the faces it added, and the photos it added them to. */
  facesAdded?: { faces: number; photos: number };
  /** Imports, once ended: photos the library knew, found at another path (moved or renamed
   * outside the studio), with their faces, tags and edits. */
  movedPhotos?: number;
  /** Run by another process (`glow-studio import` in a terminal, another studio): which one. */
  runBy?: string;
  /** Imports: the look for new photos this studio made as it opened (Settings lookForNewPhotos). */
  automatic?: boolean;
}

/** 'library': another process (`glow-studio import`, tag, rotate..., or a second studio)
 * changed the library; the views list it again. */
export type StudioEvent = { type: 'job'; job: JobInfo } | { type: 'status'; status: StudioStatus } | { type: 'library' };

// -- requests -------------------------------------------------------------------------------

const FaceSearchSchema = z.object({ attribute: attributeName, has: z.boolean().default(true) });
const BatchFacesSchema = z.object({ attribute: attributeName, has: z.boolean() });

export const requests = {
  status: z.object({}),
  getSettings: z.object({}),
  updateSettings: z.object({
    bundleDir: z.string().min(1).optional(),
    device: DeviceSettingSchema.optional(),
    lookForNewPhotos: z.boolean().optional(),
    photoOrder: PhotoOrderSchema.optional(),
    smallFaces: z.boolean().optional(),
  }),
  listFolders: z.object({}),
  /** A folder's subfolders on disk, for choosing a folder to import or write to (the user's
   * home folder when no path is given). Lists names only. */
  browseFolder: z.object({ path: z.string().min(1).max(4096).optional() }),
  /** Makes an empty folder `name` in `parent` (the chooser's "New folder") and lists it. */
  makeFolder: z.object({ parent: z.string().min(1).max(4096), name: z.string().min(1).max(255) }),
  /** Imports a folder the user chose; the library keeps up with it from then on. */
  importFolder: z.object({ path: z.string().min(1) }),
  /** "Look for new photos": imports again every folder the library keeps up with (or only
   * `folder`), leaving out the folders removed from the library; only new or changed files are read. */
  rescanFolders: z.object({ folder: z.string().min(1).optional() }),
  /** Takes a folder and its subfolders out of the library (never touching the files); with
   * dryRun, only says what that would take out. Refused while a job works on its photos. */
  removeFolder: z.object({ path: z.string().min(1), dryRun: z.boolean().default(false) }),
  listPhotos: z.object({
    folder: z.string().optional(),
    tag: attributeName.optional(),
    /** Only photos with a saved edit (what "Export" takes when nothing is selected). */
    edited: z.boolean().optional(),
    /** Only photos whose file name contains this, in any case. */
    name: z.string().max(200).optional(),
    /** Only photos with a face that has (has: false, has not) the attribute, as the model
     * reads the faces (AttributeInfo.search) and the user's tags correct it. */
    face: FaceSearchSchema.optional(),
    /** Default: by name. A search by attribute (`face`) lists the clearest first instead. */
    order: PhotoOrderSchema.default('name'),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(10_000).default(200),
  }),
  /** How far to trust a search by attribute (listPhotos `face`) in this library. */
  describeFaceSearch: FaceSearchSchema,
  getPhoto: z.object({ photoId: id }),
  /** Turns a photo the face finder read wrong (on its side, upside down) by quarter turns
   * clockwise, and finds its faces again. The file is not touched. */
  rotatePhoto: z.object({ photoId: id, turns: z.number().int().min(1).max(3) }),
  /** The quarter turns clockwise that set a photo upright: its suggestedTurns where it has
   * them, else, for a photo with no faces found, the turn at which the face finder finds the
   * most upright faces (turns 0: none at any turn). Changes nothing. */
  findUprightTurns: z.object({ photoId: id }),
  /** Looks for faces in a photo down to a smaller size than an import does (a group photo's
   * back rows: library/smaller-faces.ts) and adds those it did not have; the faces it had keep
   * their tags and edits. */
  findSmallerFaces: z.object({ photoId: id }),
  /** Looks for smaller faces (findSmallerFaces) in every photo of the library whose file is
   * there, as a job with progress: after turning Settings smallFaces on, for the photos imported
   * before. One at a time: while one runs, it is answered. */
  lookForSmallerFaces: z.object({}),
  /** Takes a face out of its photo's faces (a false find, or one never to edit), with its edit
   * and tags (library/remove-face.ts). Refused (409) while another face's saved edit mixes
   * with it. Looking for faces again passes over its place, and batches leave the face there
   * alone, until bringBackFaces. */
  removeFace: z.object({ faceId: id }),
  /** Forgets the places of the faces removed from a photo (`places`: these of its
   * removedFaces, by id; all by default) and looks for faces again (down to findSmallerFaces'
   * size): those found come back as new faces. */
  bringBackFaces: z.object({ photoId: id, places: z.array(id).min(1).optional() }),
  /** The user says a photo marked on its side or upside down is upright as it is (people lying
   * down, say): it is no longer marked, until it is turned or its file changes. */
  keepUpright: z.object({ photoId: id }),
  listAttributes: z.object({}),
  listTags: z.object({}),
  renderFace: z.object({ faceId: id, recipe: RecipeSchema }),
  saveEdit: z.object({ faceId: id, recipe: RecipeSchema }),
  saveMask: z.object({ photoId: id, strokes: MaskStrokesSchema }),
  /** The photo's undo history as the editor last saved it (null: none since it was turned or its file changed). */
  getEditHistory: z.object({ photoId: id }),
  saveEditHistory: z.object({ photoId: id, history: EditHistorySchema }),
  sampleFace: z.object({ temperature: z.number().finite().min(0).max(2), seed: z.number().int().min(0).optional() }),
  tagFace: z.object({ faceId: id, attribute: attributeName, value: z.boolean().nullable() }),
  /** The attributes the library can be searched by that the model reads the face as having,
   * from its latent alone (the user's tags aside), the clearest first. */
  readFace: z.object({ faceId: id }),
  deriveAttribute: z.object({ name: attributeName, projectOut: z.array(attributeName).max(40).default([]) }),
  /** Deletes one of the user's derived attributes (their tags stay); with dryRun, only says
   * which saved edits and histories would lose its slider. */
  removeAttribute: z.object({ name: attributeName, dryRun: z.boolean().default(false) }),
  startBatch: z.object({
    photoIds: z.array(id).max(100_000).optional(),
    folder: z.string().min(1).optional(),
    recipe: RecipeSchema,
    outDir: z.string().min(1),
    export: ExportOptionsSchema.prefault({}), // the schema's own defaults
    /** Only the faces the model reads as having (has: false, not having) this attribute
     * (one the library can be searched by); the others are left as they are. */
    faces: BatchFacesSchema.optional(),
  }),
  /** Faces a batch of these photos would edit, one a photo, in the batch's order: to show its
   * recipe on (renderFace) before it runs. */
  previewBatch: z.object({
    photoIds: z.array(id).max(100_000).optional(),
    folder: z.string().min(1).optional(),
    faces: BatchFacesSchema.optional(),
    count: z.number().int().min(1).max(8).default(4),
  }),
  exportPhotos: z.object({
    photoIds: z.array(id).min(1).max(100_000),
    outDir: z.string().min(1),
    export: ExportOptionsSchema,
  }),
  listJobs: z.object({}),
  controlJob: z.object({ jobId: id, action: z.enum(['pause', 'resume', 'cancel']) }),
} as const;

export type ApiMethod = keyof typeof requests;
export type ApiRequest<M extends ApiMethod> = z.input<(typeof requests)[M]>;
export type ParsedRequest<M extends ApiMethod> = z.output<(typeof requests)[M]>;

interface Responses {
  status: StudioStatus;
  getSettings: Settings;
  updateSettings: Settings;
  listFolders: FolderInfo[];
  browseFolder: FolderListing;
  makeFolder: FolderListing;
  importFolder: JobInfo;
  rescanFolders: JobInfo;
  removeFolder: FolderContents & { removed: boolean };
  listPhotos: PhotoSummary[];
  describeFaceSearch: FaceSearchInfo;
  getPhoto: PhotoDetail;
  /** The photo turned; `lost`: faces found before the turn, with tags or an edit, that are not
   * found now (their tags and edits are gone with them). */
  rotatePhoto: { photo: PhotoDetail; lost: number };
  findUprightTurns: { turns: number; faces: number };
  findSmallerFaces: { photo: PhotoDetail; added: number };
  /** The photo without the face; whether the face had a saved edit, and its tags: gone. */
  lookForSmallerFaces: JobInfo;
  removeFace: { photo: PhotoDetail; hadEdit: boolean; tags: number };
  bringBackFaces: { photo: PhotoDetail; added: number };
  keepUpright: PhotoDetail;
  listAttributes: AttributeInfo[];
  listTags: TagCount[];
  renderFace: FaceLayer;
  saveEdit: FaceInfo;
  saveMask: { photoId: number; strokes: MaskStroke[] };
  getEditHistory: { history: EditHistory | null };
  saveEditHistory: { photoId: number };
  sampleFace: { image: string; seed: number };
  tagFace: FaceInfo;
  readFace: { faceId: number; reads: string[] };
  deriveAttribute: DerivedAttribute;
  removeAttribute: AttributeUse & { removed: boolean };
  startBatch: JobInfo;
  previewBatch: PreviewFace[];
  exportPhotos: JobInfo;
  listJobs: JobInfo[];
  controlJob: JobInfo;
}

export type ApiResponse<M extends ApiMethod> = Responses[M];

/** The studio as the UI sees it: one async call per method, plus an event stream. */
export type StudioApi = {
  [M in ApiMethod]: (request: ApiRequest<M>) => Promise<ApiResponse<M>>;
} & {
  onEvent(listener: (event: StudioEvent) => void): () => void;
};

export const API_METHODS = Object.keys(requests) as ApiMethod[];

/** A request that failed validation or was refused; `message` is meant for the user. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
  }
}

/** Validates a request for `method`, naming the method, field and value on failure. */
export function parseRequest<M extends ApiMethod>(method: string, payload: unknown): { method: M; request: ParsedRequest<M> } {
  if (!(API_METHODS as string[]).includes(method)) throw new ApiError(`unknown method '${method}'`, 404);
  const schema = requests[method as M];
  const result = schema.safeParse(payload ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join('.') || '(request)';
    throw new ApiError(`${method}: ${field}: ${issue.message}`);
  }
  return { method: method as M, request: result.data as ParsedRequest<M> };
}
