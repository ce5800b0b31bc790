import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { formatDuration, formatProgress, formatValue, progressBar } from "./progress.js";
import type { TrainProgress } from "./train.js";

class FakeStream {
  chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join("");
  }
}

function event(patch: Partial<TrainProgress> = {}): TrainProgress {
  return {
    phase: "step",
    epoch: 0,
    epochs: 3,
    step: 2,
    stepsPerEpoch: 4,
    globalStep: 2,
    losses: { loss: 0.5 },
    learningRate: 0.001,
    samplesPerSecond: 1234.4,
    etaSeconds: 65,
    ...patch,
  };
}

describe("formatting", () => {
  it("formats durations and values", () => {
    expect([0, 42.4, 65, 3599, 3600, 7620, Number.NaN, -1].map(formatDuration)).toEqual(["0s", "42s", "1m05s", "59m59s", "1h00m", "2h07m", "--", "--"]);
    expect([0, 0.5, 0.012345, 1234.56, 1e-5, 2.5e6, Number.NaN].map(formatValue)).toEqual(["0", "0.5", "0.01235", "1235", "1.00e-5", "2.50e+6", "NaN"]);
  });

  it("renders epoch (1-based), bar, step, losses, rate, samples/s and ETA on one line", () => {
    const line = formatProgress(event({ losses: { d: 0.25, g: 1.5 }, learningRate: { d: 1e-4, g: 2e-4 } }), { label: "agm", barWidth: 8 });
    expect(line).toBe("agm epoch 1/3 [████░░░░] 2/4 d 0.25 g 1.5 lr d=1.00e-4,g=2.00e-4 1234 samples/s ETA 1m05s");
    expect(formatProgress(event({ phase: "epoch", epoch: 2, step: 4, validationLoss: 0.125 }), { barWidth: 4, ascii: true })).toBe(
      "epoch 3/3 [####] 4/4 loss 0.5 val 0.125 lr 0.001 1234 samples/s done",
    );
  });
});

describe("progressBar", () => {
  it("redraws in place on a terminal, throttled, and ends each epoch with a newline", () => {
    let t = 0;
    const stream = new FakeStream(true, 200);
    const onProgress = progressBar({ stream, label: "ae", barWidth: 4, now: () => t });
    onProgress(event({ step: 1 }));
    t = 50; // within 0.1 s: skipped
    onProgress(event({ step: 2 }));
    t = 150;
    onProgress(event({ step: 3 }));
    t = 160; // epoch end: always drawn
    onProgress(event({ phase: "epoch", step: 4, validationLoss: 0.2 }));
    expect(stream.chunks.length).toBe(3);
    expect(stream.chunks[0]).toBe("\rae epoch 1/3 [█░░░] 1/4 loss 0.5 lr 0.001 1234 samples/s ETA 1m05s\x1b[K");
    expect(stream.chunks[1]).toContain("3/4");
    expect(stream.chunks[2]!.endsWith("\x1b[K\n")).toBe(true);
    expect(stream.chunks[2]).toContain("[████] 4/4 loss 0.5 val 0.2");
    expect(stream.text).not.toContain("2/4");
  });

  it("cuts lines to the terminal width", () => {
    const stream = new FakeStream(true, 30);
    progressBar({ stream, now: () => 0 })(event());
    const line = stream.chunks[0]!.replace("\r", "").replace("\x1b[K", "");
    expect(line.length).toBe(29);
  });

  it("prints a plain line every intervalSeconds on a non-terminal stream, plus every epoch end", () => {
    let t = 0;
    const stream = new FakeStream(false);
    const onProgress = progressBar({ stream, barWidth: 4, intervalSeconds: 5, now: () => t });
    for (let s = 1; s <= 12; s++) {
      t = s * 1000; // one step per second
      onProgress(event({ step: s, stepsPerEpoch: 12 }));
    }
    t = 16_000; // the last step (at 12 s, ≥ 5 s after 6) is left to the epoch-end line
    onProgress(event({ phase: "epoch", step: 12, stepsPerEpoch: 12 }));
    const lines = stream.text.split("\n").filter(Boolean);
    // steps 1 and 6 (≥ 5 s apart), step 11, then the epoch end
    expect(lines.map((l) => l.match(/\] (\d+)\/12/)?.[1])).toEqual(["1", "6", "11", "12"]);
    expect(stream.text).not.toMatch(/[\r\x1b]/);
    expect(lines[0]).toContain("[....]");
    expect(lines[3]).toContain("[####]");
  });

  it("rejects bad options", () => {
    expect(() => progressBar({ stream: {} as unknown as FakeStream })).toThrow(InvalidArgumentError);
    expect(() => progressBar({ stream: new FakeStream(false), intervalSeconds: -1 })).toThrow(/intervalSeconds/);
    expect(() => progressBar({ stream: new FakeStream(false), barWidth: 0 })).toThrow(/barWidth/);
  });
});
