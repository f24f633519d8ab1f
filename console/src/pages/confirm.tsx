import { Button, Dialog, DialogTrigger, Heading, Modal } from "react-aria-components";

/** A button that asks before it does something that cannot be undone. */
export function Confirm({
  label,
  title,
  body,
  error,
  onConfirm,
}: {
  label: string;
  title: string;
  body: string;
  error?: string | undefined;
  onConfirm: () => Promise<boolean>;
}) {
  return (
    <DialogTrigger>
      <Button className="danger">{label}</Button>
      <Modal isDismissable>
        <Dialog role="alertdialog">
          {({ close }) => (
            <>
              <Heading slot="title">{title}</Heading>
              <p>{body}</p>
              {error && <p role="alert">{error}</p>}
              <div className="actions">
                <Button onPress={close}>Cancel</Button>
                <Button className="danger" onPress={async () => (await onConfirm()) && close()}>
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
