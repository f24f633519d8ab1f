import { open, readFile, rm } from "node:fs/promises";

export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
}

/**
 * Takes an exclusive lock file holding our pid. A lock left by a process that
 * no longer runs (a crash, a kill -9) is taken over; a live one is refused.
 */
export async function acquireDirLock(file: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new DataDirLockedError(
          `${file} is held by another running process (pid ${pid}): the embedded database can only be opened by one process. ` +
            `Stop it, use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new DataDirLockedError(`Could not take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
