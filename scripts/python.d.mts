/** The first Python interpreter that imports all of `modules` (default torch and onnx), or null. */
export function findPython(modules?: string[]): string | null;
