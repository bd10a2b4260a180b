import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Builds dist/ once per run: tests that spawn real app processes start dist/main.js. */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '../..');
  execFileSync(path.join(root, 'node_modules/.bin/nest'), ['build'], {
    cwd: root,
    stdio: 'inherit',
  });
}
