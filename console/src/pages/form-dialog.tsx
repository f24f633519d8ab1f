import type { FormEvent, ReactNode } from "react";
import { Button, Dialog, DialogTrigger, Form, Heading, Modal } from "react-aria-components";
import { useMutation, type AnyVariables, type CombinedError, type DocumentInput } from "urql";
import { useFieldErrors, messageOutsideFields } from "../errors.js";
import { toast } from "../toasts.js";

interface FormDialogProps {
  /** The button that opens it. */
  trigger: string;
  /** The button's name for screen readers, when its text alone is ambiguous (one per row). */
  triggerLabel?: string;
  triggerClassName?: string;
  title: string;
  submitLabel: string;
  /** The last attempt's error: at its field when the API names one, else under the form. */
  error: CombinedError | undefined;
  busy: boolean;
  /** Resolves true when it worked, and the dialog closes. */
  onSubmit: (form: FormData) => Promise<boolean>;
  /** What a toast says once it worked. */
  done?: string;
  children: ReactNode;
}

/**
 * The error, busy state and submit of a FormDialog that runs one mutation
 * with variables read from the form; `onDone` runs with its answer once it worked.
 */
export function useDialogMutation<Data, Variables extends AnyVariables>(
  document: DocumentInput<Data, Variables>,
  variablesOf: (form: FormData) => Variables,
  onDone: (data: Data) => void,
) {
  const [result, run] = useMutation(document);
  return {
    error: result.error,
    busy: result.fetching,
    onSubmit: async (form: FormData) => {
      const { data } = await run(variablesOf(form));
      if (data) onDone(data);
      return Boolean(data);
    },
  };
}

/** A button that opens a form in a modal dialog: the shape of every "add" and "new" in the console. */
export function FormDialog({ trigger, triggerLabel, triggerClassName, title, submitLabel, error, busy, onSubmit, done, children }: FormDialogProps) {
  const errorProps = useFieldErrors(error);
  const outside = messageOutsideFields(error);
  return (
    <DialogTrigger>
      <Button className={triggerClassName} aria-label={triggerLabel}>
        {trigger}
      </Button>
      <Modal isDismissable>
        <Dialog>
          {({ close }) => {
            async function submit(event: FormEvent<HTMLFormElement>) {
              event.preventDefault();
              if (!(await onSubmit(new FormData(event.currentTarget)))) return;
              close();
              if (done) toast(done);
            }
            return (
              <Form onSubmit={submit} {...errorProps}>
                <Heading slot="title">{title}</Heading>
                {children}
                {outside && <p role="alert">{outside}</p>}
                <div className="actions">
                  <Button onPress={close}>Cancel</Button>
                  <Button type="submit" className="primary" isDisabled={busy}>
                    {submitLabel}
                  </Button>
                </div>
              </Form>
            );
          }}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
