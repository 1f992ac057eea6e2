import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Config } from '../../config/config';
import { notFound } from '../common/problem';
import { CONFIG } from '../tokens';
import { Public } from '../auth/access.decorators';

function header(raw: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(raw);
  return match ? match[1].replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

const escape = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * Development only: the messages the embedded SMTP catcher received (var/mail/*.eml). Registered
 * only when DEV_MAIL_DIR is set, which `npm run dev` does and production never does.
 */
@ApiExcludeController()
@Public()
@Controller('dev/mail')
export class DevMailController {
  constructor(@Inject(CONFIG) private readonly config: Config) {}

  private get dir(): string {
    return this.config.devMailDir!;
  }

  @Get()
  async list(@Res() res: Response): Promise<void> {
    const files = (await readdir(this.dir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .reverse();
    const items = await Promise.all(
      files.slice(0, 500).map(async (file) => {
        const raw = await readFile(join(this.dir, file), 'utf8');
        const { mtime } = await stat(join(this.dir, file));
        return {
          file,
          receivedAt: mtime.toISOString(),
          to: header(raw, 'To'),
          subject: header(raw, 'Subject'),
          messageId: header(raw, 'Message-ID'),
        };
      }),
    );
    res.format({
      'application/json': () => res.json({ items, nextCursor: null }),
      'text/html': () => {
        const rows = items
          .map(
            (m) =>
              `<tr><td>${escape(m.receivedAt)}</td><td>${escape(m.to)}</td><td><a href="/dev/mail/${encodeURIComponent(m.file)}">${escape(m.subject)}</a></td></tr>`,
          )
          .join('\n');
        res.send(
          `<!doctype html><meta charset="utf-8"><title>Emtihan — caught mail</title>` +
            `<h1>Mail caught by the development SMTP server (${items.length})</h1>` +
            `<table border="1" cellpadding="4"><tr><th>received</th><th>to</th><th>subject</th></tr>${rows}</table>`,
        );
      },
    });
  }

  @Get(':file')
  async show(@Param('file') file: string, @Res() res: Response): Promise<void> {
    if (!/^[\w.-]+\.eml$/.test(file)) throw notFound(`no message ${file}`);
    const raw = await readFile(join(this.dir, file), 'utf8').catch(() => null);
    if (raw === null) throw notFound(`no message ${file}`);
    res.type('text/plain; charset=utf-8').send(raw);
  }
}
