import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface Caught {
  /** When the catcher finished writing it (the file's mtime), ms since the epoch. */
  at: number;
  /** The exam of an outbox message (its Message-ID: <outbox-<row>.<exam>@emtihan>). */
  examId?: string;
  outboxKey?: string;
}

/**
 * Reads what the SMTP catcher (scripts/infra.ts) wrote: each .eml once, its headers only. The
 * catcher renames a message into place only when it is complete.
 */
export class MailWatch {
  private readonly seen = new Set<string>();

  constructor(private readonly dir: string) {}

  /** The messages written since the last scan. */
  async scan(): Promise<Caught[]> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.eml') && !this.seen.has(n));
    const caught: Caught[] = [];
    for (const name of names) {
      this.seen.add(name);
      const path = join(this.dir, name);
      const file = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(8192);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
        const head = buffer
          .subarray(0, bytesRead)
          .toString('utf8')
          .split(/\r?\n\r?\n/)[0];
        const messageId = /^Message-ID:\s*<outbox-[^.>]+\.([^@>]+)@emtihan>/im.exec(head);
        const key = /^X-Emtihan-Outbox-Key:\s*(\S+)/im.exec(head);
        caught.push({
          at: (await stat(path)).mtimeMs,
          ...(messageId !== null ? { examId: messageId[1] } : {}),
          ...(key !== null ? { outboxKey: key[1] } : {}),
        });
      } finally {
        await file.close();
      }
    }
    return caught;
  }

  /** Marks everything there now as seen (a bench's messages are the ones after this). */
  async skipExisting(): Promise<void> {
    await this.scan();
  }
}
