import { initBackend, sphere } from "@atlas/core";
import { createVqFlow, trainVqFlow, saveVqFlow, loadVqFlow, mmd } from "@atlas/vqflow";

await initBackend();
const train = sphere(2000, 0, { noise: 0.05 });
const test = sphere(1000, 1, { noise: 0.05 });

const model = createVqFlow({ preset: "sphere", flow: "realnvp", seed: 0 }); // K = 8 charts, m = 1, ε = 0.2
await trainVqFlow(model, train, { validation: test, epochs: 10 });          // stage 1 (VQ-AE), stage 2 (flows)

const logp = await model.logProb(test);              // Float32Array, nats, eq. (2)
const x = await model.sample(1000, 7);               // tf.Tensor [1000, 3]; same seed, same samples
const members = await model.chartsOf(test);          // [n, K] boolean, ≥ m per row
const posterior = await model.chartPosterior(test);  // [n, K], p(k|x), rows sum to 1
const z = model.encode(x, 2);                        // f_2 (AtlasModel: F_k)
const back = model.decode(z, 2);                     // g_2 (AtlasModel: G_k)
const fit = mmd({ data: (await x.data()) as Float32Array, dim: 3 }, test, { bandwidth: 0.2 });
console.log(`test NLL ${(-logp.reduce((s, v) => s + v, 0) / logp.length).toFixed(3)} nats, MMD² ${fit.mmd2.toFixed(4)}`);

await saveVqFlow(model, "models/sphere");
const again = await loadVqFlow("models/sphere");
console.log((await again.logProb(test))[0] === logp[0]);   // true: the same model
for (const t of [x, members, posterior, z, back]) t.dispose();
model.dispose();
again.dispose();
