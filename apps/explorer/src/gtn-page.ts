// The GTN page: samples of the bundle's (or the toy's) GTN for a seed you choose.
import { el, imageCanvas } from "./draw.js";
import type { Explorer } from "./source.js";

export async function gtnPage(root: HTMLElement, ex: Explorer): Promise<void> {
  if (!ex.gtn) {
    root.replaceChildren(el("p", {}, "This bundle has no GTN (write one with 'atlas demo', or export a gtn model with 'atlas geodesic --export')."));
    return;
  }
  const g = ex.gtn;
  const seed = el("input", { type: "number", id: "gtn-seed", value: "0", min: "0" });
  const count = g.kind === "images" ? 48 : 2000;
  const out = el("div", { id: "gtn-samples" });
  const draw = async (): Promise<void> => {
    const s = Number(seed.value) || 0;
    const v = await g.sample(count, s);
    if (g.kind === "images") {
      const [h, w, c] = g.imageShape!;
      const size = h * w * c;
      const grid = el("div", { style: "display:grid;grid-template-columns:repeat(12,58px);gap:2px" });
      for (let i = 0; i < count; i++) {
        const cv = imageCanvas(v.subarray(i * size, (i + 1) * size), h, w, c);
        cv.style.width = "56px";
        cv.style.height = "56px";
        grid.append(cv);
      }
      out.replaceChildren(grid);
    } else {
      const canvas = el("canvas", { width: "360", height: "300" });
      const ctx = canvas.getContext("2d")!;
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, 360, 300);
      const all = [...Array.from(g.data!), ...Array.from(v)];
      const xs = all.filter((_, i) => i % 2 === 0);
      const ys = all.filter((_, i) => i % 2 === 1);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const dot = (a: Float32Array, colour: string): void => {
        ctx.fillStyle = colour;
        for (let i = 0; i < a.length; i += 2) ctx.fillRect(8 + ((a[i]! - x0) / (x1 - x0)) * 344 - 1, 292 - ((a[i + 1]! - y0) / (y1 - y0)) * 284 - 1, 2, 2);
      };
      dot(g.data!, "#bbb");
      dot(v, "#000");
      out.replaceChildren(canvas);
    }
    out.dataset.seed = String(s);
  };
  seed.addEventListener("change", () => void draw());
  root.replaceChildren(el("div", { class: "card" }, el("h2", {}, "GTN samples"), el("p", {}, g.note), el("p", {}, "seed ", seed, el("button", { id: "gtn-draw" }, "Sample")), out));
  root.querySelector("#gtn-draw")!.addEventListener("click", () => void draw());
  await draw();
}
