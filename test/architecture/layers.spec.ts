import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

/** Runs the layer check of `npm run lint` on a small tree of files; resolves with its output. */
async function layersOf(files: Record<string, string>): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'layers-'));
  try {
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: {} }));
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    const result = await run(CLI, ['src', '--config', CONFIG, '--output-type', 'err'], {
      cwd: dir,
    }).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (error: { stdout?: string; stderr?: string }) => ({
        ok: false,
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('layers (npm run lint:layers)', () => {
  it('refuses an upward import, naming the rule and the files', async () => {
    const { ok, output } = await layersOf({
      'src/integrations/social/x.client.ts':
        "import { PermanentJobError } from '../../queues/contracts/job-errors';\nexport const x = PermanentJobError;\n",
      'src/queues/contracts/job-errors.ts': 'export class PermanentJobError extends Error {}\n',
      'src/media/video.service.ts':
        "import { QueuesService } from '../queues/queues.service';\nexport const v = QueuesService;\n",
      'src/queues/queues.service.ts': 'export class QueuesService {}\n',
      'src/jobs/jobs.controller.ts':
        "import { QueuesService } from '../queues/queues.service';\nexport const c = QueuesService;\n",
    });
    expect(ok).toBe(false);
    expect(output).toContain(
      'app-through-the-barrel: src/jobs/jobs.controller.ts → src/queues/queues.service.ts',
    );
    expect(output).toContain(
      'integrations-know-no-jobs: src/integrations/social/x.client.ts → src/queues/contracts/job-errors.ts',
    );
    expect(output).toContain(
      'domain-below-queues: src/media/video.service.ts → src/queues/queues.service.ts',
    );
  });

  it('accepts imports that go down, and refuses a circle', async () => {
    const down = await layersOf({
      'src/jobs/jobs.controller.ts':
        "import { QueuesService } from '../queues';\nexport const c = QueuesService;\n",
      'src/queues/index.ts': "export { QueuesService } from './queues.service';\n",
      'src/queues/queues.service.ts':
        "import { ContentService } from '../content/content.service';\nexport class QueuesService { c = ContentService; }\n",
      'src/content/content.service.ts':
        "import { JobContext } from '../queues/contracts/job-context';\nexport class ContentService {}\nexport type C = JobContext;\n",
      'src/queues/contracts/job-context.ts': 'export interface JobContext { jobId: string }\n',
    });
    expect(down).toEqual({ ok: true, output: expect.stringContaining('no dependency violations') });
    const circle = await layersOf({
      'src/content/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'src/content/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    expect(circle.ok).toBe(false);
    expect(circle.output).toContain('no-circular');
  });
});
