import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * A body streamed without a length (chunked) past MAX_UPLOAD_BYTES: Yoga
 * stops reading it, but its multipart parser reports that as invalid data
 * (400 BAD_REQUEST); it is answered 413 REQUEST_ENTITY_TOO_LARGE, as a body
 * that declares its length is.
 */
export function useBodyTooLarge(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof Error) || !/Request body too large/.test(error.message)) throw error;
          throw new GraphQLError("Request body too large: the limit is MAX_UPLOAD_BYTES.", {
            extensions: { code: "REQUEST_ENTITY_TOO_LARGE", http: { status: 413 } },
          });
        }
      });
    },
  };
}
