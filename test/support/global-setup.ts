import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Builds dist/ once per run (tests that spawn real app processes start dist/main.js): the
 * integration and cluster projects both ask; the second finds it built by this same process.
 */
export default function globalSetup(): void {
  if (process.env.CLICK_TEST_DIST_BUILT === '1') return;
  const root = path.resolve(__dirname, '../..');
  execFileSync(path.join(root, 'node_modules/.bin/nest'), ['build'], {
    cwd: root,
    stdio: 'inherit',
  });
  process.env.CLICK_TEST_DIST_BUILT = '1';
}
