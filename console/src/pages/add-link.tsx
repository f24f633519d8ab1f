import { useState, type FormEvent } from "react";
import { Button, Checkbox, Dialog, DialogTrigger, FieldError, Form, Heading, Input, Label, Modal, NumberField, Text, TextField } from "react-aria-components";
import { useMutation } from "urql";
import { fieldErrors, messageOf } from "../errors.js";
import { AddLinkSource } from "../operations.js";

/** A web page, and optionally the pages it links to (to a depth) or its sitemap's. */
export function AddLink({ botId, onAdded }: { botId: string; onAdded: () => void }) {
  const [result, add] = useMutation(AddLinkSource);
  const [sitemap, setSitemap] = useState(false);
  const errors = fieldErrors(result.error);
  return (
    <DialogTrigger>
      <Button>Add a link</Button>
      <Modal isDismissable>
        <Dialog>
          {({ close }) => {
            async function submit(event: FormEvent<HTMLFormElement>) {
              event.preventDefault();
              const form = new FormData(event.currentTarget);
              const link = { url: String(form.get("url")).trim(), sitemap, maxDepth: sitemap ? null : Number(form.get("maxDepth")), maxPages: Number(form.get("maxPages")) };
              const { data } = await add({ botId, link });
              if (data) {
                onAdded();
                close();
              }
            }
            return (
              <Form onSubmit={submit} validationErrors={errors}>
                <Heading slot="title">Add a link</Heading>
                <TextField name="url" type="url" isRequired autoFocus>
                  <Label>Address</Label>
                  <Input placeholder="https://example.com/help" />
                  <FieldError />
                </TextField>
                <Checkbox isSelected={sitemap} onChange={setSitemap}>
                  <div className="box" aria-hidden="true" /> Read the pages its site's sitemap lists
                </Checkbox>
                <div className="row">
                  <NumberField name="maxDepth" defaultValue={0} minValue={0} maxValue={5} isDisabled={sitemap}>
                    <Label>Follow links this deep</Label>
                    <Input />
                    <Text slot="description">0: only this page</Text>
                    <FieldError />
                  </NumberField>
                  <NumberField name="maxPages" defaultValue={20} minValue={1} maxValue={500}>
                    <Label>At most this many pages</Label>
                    <Input />
                    <FieldError />
                  </NumberField>
                </div>
                {result.error && !Object.keys(errors).length && <p role="alert">{messageOf(result.error)}</p>}
                <div className="actions">
                  <Button onPress={close}>Cancel</Button>
                  <Button type="submit" className="primary" isDisabled={result.fetching}>
                    Add
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
