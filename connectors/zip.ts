import yauzl from "yauzl";
import { ExtractionError, formatBytes } from "./types.js";

/** More parts than any real document has; listing millions would itself take long. */
const MAX_ENTRIES = 20_000;

export interface ZipLimits {
  /** Largest total of the entries' declared uncompressed sizes. */
  maxExpandedBytes: number;
  /** The format's name, for messages ("DOCX"). */
  format: string;
}

/**
 * Reads a ZIP's central directory (no entry is inflated) and refuses it when
 * its entries declare more than `maxExpandedBytes` together: a zip bomb is
 * refused in milliseconds, before a parser inflates it. An archive whose
 * entries lie about their size gets past this; the worker's heap cap is
 * the second line for those.
 */
export async function assertZipWithin(bytes: Uint8Array, { maxExpandedBytes, format }: ZipLimits): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true }, (error, file) =>
      error ? reject(error) : resolve(file),
    ),
  ).catch((error: Error) => {
    throw new ExtractionError(`The file is not a readable ${format} (${error.message}).`, { cause: error });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let total = 0;
      let count = 0;
      zip.on("entry", (entry: yauzl.Entry) => {
        total += entry.uncompressedSize;
        count++;
        if (total > maxExpandedBytes) {
          reject(
            new ExtractionError(
              `The ${format} expands to more than ${formatBytes(maxExpandedBytes)} (its part ${entry.fileName} alone declares ${formatBytes(entry.uncompressedSize)}), more than Parley reads from one source (MAX_EXTRACTED_BYTES).`,
              { code: "SOURCE_TOO_LARGE" },
            ),
          );
        } else if (count > MAX_ENTRIES) {
          reject(new ExtractionError(`The ${format} has more than ${MAX_ENTRIES} parts; no real document has that many.`, { code: "SOURCE_TOO_LARGE" }));
        } else zip.readEntry();
      });
      zip.on("end", resolve);
      zip.on("error", (error: Error) => reject(new ExtractionError(`The file is not a readable ${format} (${error.message}).`, { cause: error })));
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** One part of a ZIP as text (docProps/core.xml of a DOCX, say), when it is there and no larger than `maxBytes`. */
export async function readZipText(bytes: Uint8Array, fileName: string, maxBytes = 1024 * 1024): Promise<string | undefined> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true }, (error, file) =>
      error ? reject(error) : resolve(file),
    ),
  );
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName !== fileName) return zip.readEntry();
        if (entry.uncompressedSize > maxBytes) return resolve(undefined);
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          const parts: Buffer[] = [];
          stream.on("data", (part: Buffer) => parts.push(part));
          stream.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
          stream.on("error", reject);
        });
      });
      zip.on("end", () => resolve(undefined));
      zip.on("error", reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
