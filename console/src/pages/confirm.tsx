import { useState } from "react";
import { Button, Dialog, DialogTrigger, Heading, Modal } from "react-aria-components";
import type { CombinedError } from "urql";
import { messageOf } from "../errors.js";
import { toast } from "../toasts.js";

/**
 * A button that asks before it does something that cannot be undone. What
 * `onConfirm` did: true (or a result without error) closes the dialog; a
 * result's error is said inside the dialog, where the person is looking.
 */
export function Confirm({
  label,
  title,
  body,
  error,
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
  error?: string | undefined;
  onConfirm: () => Promise<boolean | { error?: CombinedError | undefined }>;
}) {
  const [failed, setFailed] = useState<string | undefined>();
  const shown = failed ?? error;
  return (
    <DialogTrigger onOpenChange={() => setFailed(undefined)}>
      <Button className={tone}>{label}</Button>
      <Modal isDismissable>
        <Dialog role="alertdialog">
          {({ close }) => (
            <>
              <Heading slot="title">{title}</Heading>
              <p>{body}</p>
              {shown && <p role="alert">{shown}</p>}
              <div className="actions">
                <Button onPress={close}>Cancel</Button>
                <Button
                  className={tone}
                  onPress={async () => {
                    const outcome = await onConfirm();
                    if (typeof outcome === "object" && outcome.error) return setFailed(messageOf(outcome.error));
                    if (!outcome) return;
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
