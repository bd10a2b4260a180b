import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalObjectStorage } from '../integrations/storage/local-object-storage';
import { checkUpload } from './upload-path';

describe('checkUpload on local storage', () => {
  let base: string;
  let storage: LocalObjectStorage;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'uploads-'));
    const uploads = path.join(base, 'uploads');
    await mkdir(path.join(uploads, 'sub'), { recursive: true });
    await writeFile(path.join(uploads, 'sub', 'clip.mp4'), 'x');
    await writeFile(path.join(base, 'secret.txt'), 'x');
    await symlink(path.join(base, 'secret.txt'), path.join(uploads, 'escape.mp4'));
    storage = new LocalObjectStorage({ uploads, media: path.join(base, 'media') });
  });

  afterAll(() => rm(base, { recursive: true, force: true }));

  it('accepts a file inside the folder', async () => {
    await expect(checkUpload(storage, 'sub/clip.mp4')).resolves.toBeUndefined();
  });

  it.each([
    ['../secret.txt', 'videoPath must not contain ".." segments'],
    ['sub/../../secret.txt', 'videoPath must not contain ".." segments'],
    ['/etc/passwd', 'videoPath must be a relative path inside the upload folder'],
    ['sub//clip.mp4', 'videoPath: the path must not contain empty or "." segments'],
    ['escape.mp4', 'videoPath leads outside the upload folder'],
    ['missing.mp4', 'videoPath "missing.mp4" is not a file in the upload folder'],
    ['sub', 'videoPath "sub" is not a file in the upload folder'],
  ])('refuses %s', async (relative, message) => {
    await expect(checkUpload(storage, relative)).rejects.toThrow(message);
  });
});
