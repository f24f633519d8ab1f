import { afterAll } from "@jest/globals";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

const servers = new Set<SMTPServer>();
afterAll(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * A mail server on loopback (Nodemailer's own smtp-server) that keeps what
 * it is sent, parsed, and refuses recipients at `refuse@…`, as a real one
 * refuses an address it will not relay to.
 */
export async function startSmtp(): Promise<{ url: string; received: ParsedMail[] }> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === "parley" && auth.password === "secret") return callback(null, { user: auth.username });
      callback(new Error("Wrong user or password"));
    },
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("refuse@")) return callback(Object.assign(new Error("No such mailbox"), { responseCode: 550 }));
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as { port: number };
  return { url: `smtp://parley:secret@127.0.0.1:${port}`, received };
}
