import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProctoringAdapter } from './local';

describe('§5.7: the local proctoring adapter keeps a stand-in per recording and deletes it', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'emtihan-recordings-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a ready recording is a file; deleting the exam removes the files and names them', async () => {
    const adapter = new LocalProctoringAdapter(dir);
    await adapter.recordingReady('exam-1', {
      studentId: 's1',
      externalId: 'rec-1',
      link: 'https://p.example/rec-1',
    });
    await adapter.recordingReady('exam-1', {
      studentId: 's2',
      externalId: 'rec-2',
      link: 'https://p.example/rec-2',
    });
    expect(JSON.parse(readFileSync(adapter.fileOf('exam-1', 'rec-1'), 'utf8'))).toMatchObject({
      examId: 'exam-1',
      studentId: 's1',
      externalId: 'rec-1',
      link: 'https://p.example/rec-1',
    });
    const result = await adapter.deleteRecordings('exam-1', [
      { studentId: 's1', externalId: 'rec-1' },
      { studentId: 's2', externalId: 'rec-2' },
    ]);
    expect(result).toEqual({ deleted: ['rec-1', 'rec-2'] });
    expect(existsSync(adapter.fileOf('exam-1', 'rec-1'))).toBe(false);
    // The exam's folder goes with its last recording.
    expect(readdirSync(dir)).toEqual([]);
  });

  test('deleting again (a retried activity) reports the recordings gone and fails nothing', async () => {
    const adapter = new LocalProctoringAdapter(dir);
    const refs = [{ studentId: 's1', externalId: 'rec-1' }];
    expect(await adapter.deleteRecordings('exam-1', refs)).toEqual({ deleted: ['rec-1'] });
    expect(await adapter.deleteRecordings('exam-1', refs)).toEqual({ deleted: ['rec-1'] });
  });

  test('ids from outside never leave the folder ("..", "/" and "." are encoded)', async () => {
    const adapter = new LocalProctoringAdapter(join(dir, 'inner'));
    for (const [exam, id] of [
      ['..', '..'],
      ['a/../..', '../../x'],
      ['.', 'rec.mp4'],
    ]) {
      const file = adapter.fileOf(exam, id);
      expect(file.startsWith(join(dir, 'inner') + '/')).toBe(true);
      expect(file.slice(join(dir, 'inner').length + 1).split('/')).toHaveLength(2);
      await adapter.recordingReady(exam, { studentId: 's', externalId: id, link: 'x' });
      expect(existsSync(file)).toBe(true);
    }
    expect(readdirSync(dir)).toEqual(['inner']);
  });
});
