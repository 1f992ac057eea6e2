import nodemailer, { type Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** `encoding: 'base64'` for binary content (a PDF act, a Form 4 workbook). */
  attachments?: { filename: string; contentType: string; content: string; encoding?: 'base64' }[];
  /** Stable Message-ID (derived from the outbox key), so a duplicate delivery is recognisable. */
  messageId: string;
  headers?: Record<string, string>;
  /** The display name the message is sent under (§5.13: Form 4 "from the working-group member"). */
  fromName?: string;
}

/** The one door to SMTP (CONVENTIONS.md: every external system behind one class). */
export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
  verify(): Promise<void>;
  close(): void;
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    const url = new URL(smtpUrl);
    this.transport = nodemailer.createTransport({
      // One pool of SMTP connections reused for every message: nodemailer's default recycles a
      // connection after 100 messages, which halves the rate of a burst of reminders (issue 10).
      pool: true,
      maxMessages: Infinity,
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
      secure: url.protocol === 'smtps:',
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      // The embedded catcher listens on loopback without TLS.
      ignoreTLS: ['127.0.0.1', 'localhost', '::1'].includes(url.hostname),
      // A send never outlasts the outbox's claim (CLAIM_FRESH_MS in notify.activity.ts): nodemailer's
      // defaults would let a silent server hold it for minutes (10 min socket timeout).
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    const info = (await this.transport.sendMail({
      from:
        message.fromName === undefined
          ? this.from
          : { name: message.fromName, address: /<([^>]+)>/.exec(this.from)?.[1] ?? this.from },
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: message.attachments,
      messageId: message.messageId,
      headers: message.headers,
    })) as { messageId: string };
    return { messageId: info.messageId };
  }

  async verify(): Promise<void> {
    await this.transport.verify();
  }

  close(): void {
    this.transport.close();
  }
}
