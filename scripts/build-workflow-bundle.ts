import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Prebuilds the workflow bundle for production images (the worker uses it when present). */
async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  const out = join(__dirname, '..', 'workflow-bundle.js');
  writeFileSync(out, code);
  process.stdout.write(`workflow bundle: ${out} (${code.length} bytes)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
