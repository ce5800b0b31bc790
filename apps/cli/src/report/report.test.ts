import { describe, expect, it } from "vitest";
import { PNG } from "pngjs";
import { CHART_COLOURS, Canvas, drawStrips, textWidth } from "../images/canvas.js";
import { pngDataUri, renderReport } from "./html.js";
import { barChartSvg, esc, histogramSvg, lineChartSvg } from "./svg.js";

const rgbAt = (png: PNG, x: number, y: number): number[] => {
  const i = (y * png.width + x) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
};
const css = (c: readonly number[]): number[] => c.map((v) => Math.round(v * 255));

describe("strip images (Fig. 3b)", () => {
  it("puts each frame's chart colour in the band below it and outlines a chart change", () => {
    const frame = new Float32Array(4 * 4).fill(0); // black 4×4 frames
    const canvas = drawStrips([{ label: "G", frames: [frame, frame, frame], charts: [0, 0, 3], labels: ["0", "0", "3"] }], [4, 4, 1], 2);
    const png = PNG.sync.read(Buffer.from(canvas.png()));
    expect([png.width, png.height]).toEqual([canvas.width, canvas.height]);
    // layout from drawStrips: label column = textWidth("G", 2) + 8, gap 6, frames 8 px, band 14 below
    const left = textWidth("G", 2) + 8;
    const gap = 6;
    const fw = 8;
    const bandY = gap + fw + 2; // the band's top row, above the digit
    expect(rgbAt(png, left + 1, bandY)).toEqual(css(CHART_COLOURS[0]!));
    expect(rgbAt(png, left + 2 * (fw + gap) + 1, bandY)).toEqual(css(CHART_COLOURS[3]!));
    expect(rgbAt(png, left + 1, gap + 1)).toEqual([0, 0, 0]); // inside the first frame
    // the third frame changes chart: an outline in chart 3's colour just left of it; none before frame 2
    expect(rgbAt(png, left + 2 * (fw + gap) - 1, gap + 2)).toEqual(css(CHART_COLOURS[3]!));
    expect(rgbAt(png, left + (fw + gap) - 1, gap + 2)).toEqual([255, 255, 255]);
  });

  it("draws digits from the 3×5 font", () => {
    const c = new Canvas(3, 5);
    c.text("7", 0, 0, [0, 0, 0]);
    const rows = Array.from({ length: 5 }, (_, y) => Array.from({ length: 3 }, (_, x) => (c.data[(y * 3 + x) * 3] === 0 ? 1 : 0)).join(""));
    expect(rows).toEqual(["111", "001", "010", "010", "010"]);
  });
});

describe("HTML report", () => {
  it("is one self-contained file: images as data URIs, SVG inline, text escaped, no external references", () => {
    const png = new Canvas(2, 2).png();
    const html = renderReport({
      title: "T <1>",
      sections: [
        { id: "a", title: "A & B", blocks: [{ kind: "text", text: "x < y" }, { kind: "image", png, alt: "img", caption: "cap" }, { kind: "table", head: ["h"], rows: [["<td>"]] }] },
        { id: "b", title: "B", blocks: [{ kind: "svg", svg: lineChartSvg([{ label: "l", x: [1, 2, 3], y: [3, 1, 2] }], { title: "t", xLabel: "x", yLabel: "y" }) }] },
      ],
    });
    expect(html).toContain(`src="${pngDataUri(png)}"`);
    expect(Buffer.from(pngDataUri(png).split(",")[1]!, "base64").subarray(1, 4).toString()).toBe("PNG");
    expect(html).toContain("<title>T &lt;1&gt;</title>");
    expect(html).toContain("<p>x &lt; y</p>");
    expect(html).toContain("<td>&lt;td&gt;</td>");
    expect(html).toContain('<a href="#a">A &amp; B</a>');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain("<script");
  });

  it("histograms count every value into its bin; bar charts draw one bar per bin", () => {
    const svg = histogramSvg([{ label: "a", values: [0, 0.1, 0.5, 1] }, { label: "b", values: [1, 1] }], { title: "h", xLabel: "x", bins: 2 });
    // bins [0, 0.5) and [0.5, 1]: a → 2, 2; b → 0, 2 (zero bins are not drawn)
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title><\/rect>/g)].map((m) => m[1]);
    expect(titles).toEqual(["a 0–0.5: 2", "a 0.5–1: 2", "b 0.5–1: 2"]);
    const bars = barChartSvg([0.25, 0.5, 0.75, 1], [3, 0, 5], { title: "c", xLabel: "ψ" });
    expect(bars.match(/<rect /g)?.length).toBe(3);
    expect(esc(`a"b'&`)).toBe("a&quot;b&#39;&amp;");
  });
});
