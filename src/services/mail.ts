import nodemailer from "nodemailer";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Whether an SMTP server is configured: without one, people are sent links by hand. */
  readonly configured: boolean;
  /** Sends a message; false when none is configured or the server refused it (said in the log, without its text). */
  send(message: MailMessage): Promise<boolean>;
}

/** Long enough for a slow relay, short enough that an owner inviting someone is not kept waiting by a dead one. */
const TIMEOUT_MS = 10_000;

/**
 * Email through the operator's SMTP server (`SMTP_URL`, e.g.
 * `smtps://user:password@smtp.example.com`), with Nodemailer: connection
 * pooling, STARTTLS and authentication are its, and well kept. The
 * messages carry secrets (an invitation's link), so neither they nor the
 * URL's password are ever logged.
 */
export function createMailer({ config, logger }: { config: Pick<Config, "SMTP_URL" | "MAIL_FROM" | "publicUrl">; logger: Logger }): Mailer {
  const url = config.SMTP_URL;
  if (!url) return { configured: false, send: async () => false };
  const transport = nodemailer.createTransport(url, { connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS });
  const from = config.MAIL_FROM ?? `Parley <parley@${new URL(config.publicUrl).hostname}>`;
  const server = new URL(url).host;
  return {
    configured: true,
    async send(message) {
      try {
        await transport.sendMail({ from, ...message });
        return true;
      } catch (error) {
        logger.warn("an email could not be sent", { server, code: (error as { code?: string }).code ?? null, reason: (error as Error).message });
        return false;
      }
    },
  };
}
