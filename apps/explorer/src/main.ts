// The explorer's entry: pick the backend, load the bundle (?bundle=URL, default /bundle/bundle.json)
// or train the toy atlas (?toy), then the three pages behind #geodesics, #gtn, #metrics.
import { initBackend } from "@atlas/core";
import "@tensorflow/tfjs";
import { geodesicsPage } from "./geodesics-page.js";
import { gtnPage } from "./gtn-page.js";
import { metricsPage } from "./metrics-page.js";
import { loadBundle, trainToy, type Explorer } from "./source.js";

const params = new URLSearchParams(location.search);
const statusEl = document.getElementById("status")!;
const status = (s: string): void => {
  statusEl.textContent = s;
};

async function start(): Promise<void> {
  const forced = params.get("backend");
  const backend = await initBackend(forced ? { backend: forced as never } : {});
  let ex: Explorer;
  if (params.has("toy")) ex = await trainToy(status, { epochs: Number(params.get("epochs") ?? 30) });
  else ex = await loadBundle(params.get("bundle") ?? "/bundle/bundle.json", status);
  document.getElementById("title")!.textContent = `— ${ex.title} (backend ${backend.name})`;
  const pages: Record<string, (root: HTMLElement) => Promise<void>> = {
    geodesics: (root) => geodesicsPage(root, ex, status, params.has("from") && params.has("to") ? [Number(params.get("from")), Number(params.get("to"))] : undefined),
    gtn: (root) => gtnPage(root, ex),
    metrics: (root) => metricsPage(root, ex),
  };
  const built = new Set<string>();
  const show = async (): Promise<void> => {
    const name = (location.hash.slice(1) || "geodesics") in pages ? location.hash.slice(1) || "geodesics" : "geodesics";
    for (const p of Object.keys(pages)) {
      document.getElementById(`page-${p}`)!.hidden = p !== name;
      document.querySelector(`nav a[data-page="${p}"]`)!.classList.toggle("active", p === name);
    }
    if (!built.has(name)) {
      built.add(name);
      await pages[name]!(document.getElementById(`page-${name}`)!);
    }
  };
  window.addEventListener("hashchange", () => void show());
  await show();
}

start().catch((error: unknown) => {
  status(`error: ${(error as Error).message}`);
  document.body.dataset.state = "error";
  console.error(error);
});
