import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveUpload } from './upload-path';

describe('resolveUpload', () => {
  let base: string;
  let uploads: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'uploads-'));
    uploads = path.join(base, 'uploads');
    await mkdir(path.join(uploads, 'sub'), { recursive: true });
    await writeFile(path.join(uploads, 'sub', 'clip.mp4'), 'x');
    await writeFile(path.join(base, 'secret.txt'), 'x');
    await symlink(path.join(base, 'secret.txt'), path.join(uploads, 'escape.mp4'));
  });

  afterAll(() => rm(base, { recursive: true, force: true }));

  it('accepts a file inside the folder', async () => {
    await expect(resolveUpload(uploads, 'sub/clip.mp4')).resolves.toBe(
      path.join(uploads, 'sub', 'clip.mp4'),
    );
  });

  it.each([
    ['../secret.txt', 'videoPath must not contain ".." segments'],
    ['sub/../../secret.txt', 'videoPath must not contain ".." segments'],
    ['/etc/passwd', 'videoPath must be a relative path inside the upload folder'],
    ['escape.mp4', 'videoPath leads outside the upload folder'],
    ['missing.mp4', 'videoPath "missing.mp4" is not a file in the upload folder'],
    ['sub', 'videoPath "sub" is not a file in the upload folder'],
  ])('refuses %s', async (relative, message) => {
    await expect(resolveUpload(uploads, relative)).rejects.toThrow(message);
  });
});
