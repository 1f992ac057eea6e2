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
  return match ? decodeWords(match[1].replace(/\r?\n[ \t]+/g, ' ').trim()) : '';
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=), as subjects in Kazakh arrive. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
      (_, _charset: string, enc: string, text: string) =>
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64').toString('utf8')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
                  String.fromCharCode(parseInt(hex, 16)),
                ),
              'latin1',
            ).toString('utf8'),
    );
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
    // The HTML part as the recipient sees it (links clickable); ?raw shows the message source.
    // mailparser is a development dependency, like this controller's whole purpose.
    const { simpleParser } = await import('mailparser');
    const mail = await simpleParser(raw);
    if (res.req.query.raw !== undefined || typeof mail.html !== 'string') {
      res
        .type('text/plain; charset=utf-8')
        .send(res.req.query.raw !== undefined ? raw : (mail.text ?? raw));
      return;
    }
    res.type('text/html; charset=utf-8').send(mail.html);
  }
}
