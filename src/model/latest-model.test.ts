import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomInteractions } from '../../test/fixtures/interactions.js';
import { resolveWorkspace } from '../core/index.js';
import { FsArtifactStore } from '../store/index.js';
import {
  type BundleArtifacts,
  LATEST_MODEL_POINTER,
  latestModel,
  readBundle,
  readModelPointer,
  saveLatestModel,
  trainItemKnn,
  writeBundle,
} from './index.js';

async function input(seed = 11, createdAt = '2026-01-02T03:04:05.000Z') {
  const x = randomInteractions(seed, 200, 50, 3000);
  return {
    model: await trainItemKnn(x, { k: 10 }),
    itemIds: x.itemIds,
    itemIdsNumeric: true,
    title: x.itemIds.map((id) => `Book ${id}`),
    author: x.itemIds.map(() => 'A. Author'),
    dataset: { hash: 'abc', uri: 'file:test' },
    code: { version: '0.1.0', gitSha: null },
    createdAt,
  };
}

/** A fresh workspace and its artifact store, with every putDir/getDir counted. */
async function workspace() {
  const ws = resolveWorkspace(join(mkdtempSync(join(tmpdir(), 'bookml-latest-')), 'ws'));
  const store = await FsArtifactStore.open(ws.artifactsDir);
  const calls = { putDir: 0, getDir: 0, opened: 0 };
  const artifacts: BundleArtifacts = {
    putDir: (dir) => {
      calls.putDir++;
      return store.putDir(dir);
    },
    getDir: (sha) => {
      calls.getDir++;
      return store.getDir(sha);
    },
  };
  const open = async () => {
    calls.opened++;
    return artifacts;
  };
  return { ws, store, artifacts, open, calls };
}

describe('the latest model: a pointer into the artifact store', () => {
  it('says no model was trained, without opening the artifact store', async () => {
    const { ws, open, calls } = await workspace();
    await expect(latestModel(ws.modelsDir, open)).rejects.toMatchObject({
      code: 'MODEL_NONE_TRAINED',
      field: 'model',
      status: 404,
      message: 'no model in this workspace: run `bookml train` first, or pass --model DIR',
    });
    expect(calls.opened).toBe(0);
    expect(await readModelPointer(ws.modelsDir)).toBeNull();
  });

  it('stores the bundle in the artifact store and keeps only a pointer in the workspace', async () => {
    const { ws, store, artifacts } = await workspace();
    const { manifest, pointer } = await saveLatestModel(ws, artifacts, await input());
    expect(pointer).toMatchObject({ modelId: manifest.modelId, createdAt: manifest.createdAt });
    expect(pointer.uri).toBe(store.uriOf(pointer.sha256));
    // models/ holds the pointer and nothing else; the scratch bundle is gone.
    expect(readdirSync(ws.modelsDir)).toEqual([LATEST_MODEL_POINTER]);
    expect(readdirSync(ws.tmpDir)).toEqual([]);
    expect(JSON.parse(readFileSync(join(ws.modelsDir, LATEST_MODEL_POINTER), 'utf8'))).toEqual(pointer);

    const latest = await latestModel(ws.modelsDir, artifacts);
    expect(latest).toMatchObject(pointer);
    expect(latest.dir.startsWith(ws.artifactsDir)).toBe(true);
    expect(readBundle(latest.dir).manifest).toEqual(manifest);

    // The same model trained again is the same artifact; another model moves the pointer.
    const again = await saveLatestModel(ws, artifacts, await input());
    expect(again.pointer.sha256).toBe(pointer.sha256);
    const other = await saveLatestModel(ws, artifacts, await input(12));
    expect(other.pointer.sha256).not.toBe(pointer.sha256);
    expect((await latestModel(ws.modelsDir, artifacts)).modelId).toBe(other.manifest.modelId);
    expect(readdirSync(ws.modelsDir)).toEqual([LATEST_MODEL_POINTER]);
  });

  it('refuses a damaged pointer, naming it', async () => {
    const { ws, artifacts } = await workspace();
    mkdirSync(ws.modelsDir, { recursive: true });
    writeFileSync(join(ws.modelsDir, LATEST_MODEL_POINTER), '{"sha256":"nope"}');
    await expect(latestModel(ws.modelsDir, artifacts)).rejects.toMatchObject({
      code: 'MODEL_BUNDLE_CORRUPT',
      field: LATEST_MODEL_POINTER,
    });
  });

  it('migrates an older workspace (models/LATEST + folders) into the artifact store once', async () => {
    const { ws, artifacts, calls } = await workspace();
    const older = writeBundle(join(ws.modelsDir, '20260101T000000Z-a'), await input(11));
    const named = writeBundle(join(ws.modelsDir, '20260102T000000Z-b'), await input(12));
    const newest = writeBundle(join(ws.modelsDir, '20260103T000000Z-c'), await input(13));
    expect(new Set([older.modelId, named.modelId, newest.modelId]).size).toBe(3);
    // LATEST wins over the newest folder, as the older bookml read it.
    writeFileSync(join(ws.modelsDir, 'LATEST'), '20260102T000000Z-b\n');

    const latest = await latestModel(ws.modelsDir, artifacts);
    expect(latest.modelId).toBe(named.modelId);
    expect(readBundle(latest.dir).manifest).toEqual(named);
    expect(await readModelPointer(ws.modelsDir)).toMatchObject({
      sha256: latest.sha256,
      modelId: named.modelId,
    });
    expect(calls.putDir).toBe(1);
    // Once: the pointer answers from now on; the old folders are left alone.
    await latestModel(ws.modelsDir, artifacts);
    expect(calls.putDir).toBe(1);
    expect(existsSync(join(ws.modelsDir, '20260102T000000Z-b', 'manifest.json'))).toBe(true);
  });

  it('migrates the newest folder when there is no LATEST, and refuses a damaged one without a pointer', async () => {
    const { ws, artifacts } = await workspace();
    writeBundle(join(ws.modelsDir, '20260101T000000Z-a'), await input(11));
    const newest = writeBundle(join(ws.modelsDir, '20260103T000000Z-c'), await input(13));
    expect((await latestModel(ws.modelsDir, artifacts)).modelId).toBe(newest.modelId);

    const broken = await workspace();
    const dir = join(broken.ws.modelsDir, '20260101T000000Z-a');
    writeBundle(dir, await input(11));
    const scores = readFileSync(join(dir, 'scores.f64'));
    scores[3] ^= 0xff;
    writeFileSync(join(dir, 'scores.f64'), scores);
    await expect(latestModel(broken.ws.modelsDir, broken.artifacts)).rejects.toMatchObject({
      code: 'MODEL_BUNDLE_CORRUPT',
      field: 'scores.f64',
    });
    expect(await readModelPointer(broken.ws.modelsDir)).toBeNull();
    expect(broken.calls.putDir).toBe(0);
  });
});
