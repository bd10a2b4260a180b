import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { LocalObjectStorage } from './local-object-storage';

describe('LocalObjectStorage', () => {
  let base: string;
  let storage: LocalObjectStorage;

  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'local-storage-'));
    storage = new LocalObjectStorage({
      uploads: path.join(base, 'uploads'),
      media: path.join(base, 'media'),
    });
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const put = (key: string) => storage.write('media', key, Readable.from([Buffer.from(key)]));

  it('lists every key once, in key order, page by page', async () => {
    // '/' sorts after '.': "a.mp4" comes before anything in folder "a".
    const keys = ['a/x.jpg', 'a.mp4', 'b/c/d.srt', 'a/y.jpg', 'b/c.vtt', 'ab'];
    for (const key of keys) await put(key);
    const seen: string[] = [];
    for (let after: string | undefined; ;) {
      const page = await storage.list('media', { after, limit: 2 });
      seen.push(...page.objects.map((o) => o.key));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual([...keys].sort());
    expect(await storage.removeFolder('media', 'b')).toBe(2);
    expect((await storage.list('media', { limit: 10 })).objects.map((o) => o.key)).toEqual([
      'a.mp4',
      'a/x.jpg',
      'a/y.jpg',
      'ab',
    ]);
  });

  it('leaves nothing of a write that is aborted halfway', async () => {
    const body = new PassThrough();
    const abort = new AbortController();
    const writing = storage.write('uploads', 'clip.mp4', body, abort.signal);
    body.write(Buffer.alloc(1024));
    await new Promise((r) => setTimeout(r, 20));
    abort.abort(new Error('the client went away'));
    await expect(writing).rejects.toThrow();
    expect(await readdir(path.join(base, 'uploads'))).toEqual([]);
    expect(await storage.stat('uploads', 'clip.mp4')).toBeUndefined();
  });

  it('serves ranges and refuses keys that could leave the area', async () => {
    await put('c1/file.txt');
    const read = await storage.read('media', 'c1/file.txt', { start: 3 });
    expect(read).toMatchObject({ size: 11, range: { start: 3, end: 10 } });
    read.body.destroy();
    await expect(storage.read('media', '../uploads/x')).rejects.toThrow('".." segments');
    await expect(storage.read('media', 'c1/file.txt', { start: 11 })).rejects.toThrow(
      'range not satisfiable',
    );
  });
});
