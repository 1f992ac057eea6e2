import { mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProctoringAdapter, RecordingRef } from './adapter';

/** A file name from an id of the outside world: no separator, no "." or ".." (path traversal). */
function safeName(id: string): string {
  return encodeURIComponent(id).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}

/**
 * The local proctoring adapter (PROCTORING_ADAPTER=local): the development system's and the tests'
 * stand-in for the proctoring system's storage. When a recording is ready it keeps a small JSON
 * file per recording, `<dir>/<exam>/<externalId>.json`; the §5.7 deletion removes those files and
 * reports which recordings are gone. The API and the worker must share `dir` (PROCTORING_LOCAL_DIR).
 */
export class LocalProctoringAdapter implements ProctoringAdapter {
  constructor(readonly dir: string) {}

  /** Where the stand-in of a recording lives. */
  fileOf(examId: string, externalId: string): string {
    return join(this.dir, safeName(examId), `${safeName(externalId)}.json`);
  }

  async recordingReady(examId: string, recording: RecordingRef & { link: string }): Promise<void> {
    const file = this.fileOf(examId, recording.externalId);
    await mkdir(join(this.dir, safeName(examId)), { recursive: true });
    await writeFile(
      file,
      `${JSON.stringify({ examId, ...recording, readyAt: new Date().toISOString() })}\n`,
    );
  }

  async deleteRecordings(
    examId: string,
    recordings: RecordingRef[],
  ): Promise<{ deleted: string[] }> {
    const deleted: string[] = [];
    for (const recording of recordings) {
      // `force`: a recording already gone (a retried deletion) counts as deleted.
      await rm(this.fileOf(examId, recording.externalId), { force: true });
      deleted.push(recording.externalId);
    }
    const folder = join(this.dir, safeName(examId));
    const left = await readdir(folder).catch(() => undefined);
    if (left !== undefined && left.length === 0) await rmdir(folder).catch(() => undefined);
    return { deleted };
  }
}
