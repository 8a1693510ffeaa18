// Zoom and pan arithmetic for the editor stage: photo pixels <-> screen pixels.

export interface View {
  scale: number;
  x: number;
  y: number;
}

export function fitView(photoW: number, photoH: number, boxW: number, boxH: number, margin = 24): View {
  const scale = Math.min((boxW - margin * 2) / photoW, (boxH - margin * 2) / photoH, 4);
  const s = Math.max(scale, 0.01);
  return { scale: s, x: (boxW - photoW * s) / 2, y: (boxH - photoH * s) / 2 };
}

/** Zooms to `scale`, keeping the screen point (px, py) over the same photo point. */
export function zoomAt(view: View, scale: number, px: number, py: number): View {
  const s = Math.min(Math.max(scale, 0.02), 16);
  const fx = (px - view.x) / view.scale;
  const fy = (py - view.y) / view.scale;
  return { scale: s, x: px - fx * s, y: py - fy * s };
}
