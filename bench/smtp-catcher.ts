import { startSmtpCatcher } from '../scripts/infra';

/**
 * The SMTP catcher (scripts/infra.ts) in a process of its own, as a mail server would be: the
 * bench's senders (ours and raw nodemailer) then do not share their event loop with it.
 * argv: <dir> <port>.
 */
async function main(): Promise<void> {
  const [dir, port] = process.argv.slice(2);
  const catcher = await startSmtpCatcher({ dir, port: Number(port) });
  process.stdout.write(`catcher: listening on ${catcher.url}\n`);
  const stop = () => void catcher.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`catcher: ${String(error)}\n`);
  process.exit(1);
});
