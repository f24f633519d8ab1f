import { useState } from "react";
import { Button, Dialog, DialogTrigger, Heading, Modal } from "react-aria-components";
import type { CombinedError } from "urql";
import { messageOf } from "../errors.js";
import { toast } from "../toasts.js";

/**
 * A button that asks before it does something that cannot be undone.
 * `onConfirm` answers with its mutation's result: without an error the
 * dialog closes (and `done` is toasted); an error is said inside the
 * dialog, where the person is looking.
 */
export function Confirm({
  label,
  title,
  body,
  tone = "danger",
  done,
  onConfirm,
}: {
  label: string;
  /** "danger" for what cannot be undone; "primary" for what only deserves a second look. */
  tone?: "danger" | "primary";
  /** What a toast says once it worked. */
  done?: string;
  title: string;
  body: string;
  onConfirm: () => Promise<{ error?: CombinedError | undefined }>;
}) {
  const [failed, setFailed] = useState<string | undefined>();
  return (
    <DialogTrigger onOpenChange={() => setFailed(undefined)}>
      <Button className={tone}>{label}</Button>
      <Modal isDismissable>
        <Dialog role="alertdialog">
          {({ close }) => (
            <>
              <Heading slot="title">{title}</Heading>
              <p>{body}</p>
              {failed && <p role="alert">{failed}</p>}
              <div className="actions">
                <Button onPress={close}>Cancel</Button>
                <Button
                  className={tone}
                  onPress={async () => {
                    const { error } = await onConfirm();
                    if (error) return setFailed(messageOf(error));
                    close();
                    if (done) toast(done);
                  }}
                >
                  {label}
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
