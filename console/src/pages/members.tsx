import { useState, type FormEvent } from "react";
import { Button, FieldError, Form, Input, Label, TextField } from "react-aria-components";
import { useMutation, useQuery } from "urql";
import { Snippet } from "../copy.js";
import type { Role } from "../gql/graphql.js";
import { messageOf, messageOutsideFields, useFieldErrors } from "../errors.js";
import { ChangeMemberRole, InviteMember, Members, RemoveMember, RevokeInvitation } from "../operations.js";
import { useWorkspace } from "../shell.js";
import { Confirm } from "./confirm.js";
import { day } from "../dates.js";

const ROLES: [Role, string][] = [
  ["OWNER", "Owner: everything, members included"],
  ["ADMIN", "Admin: bots, sources, prompts and keys"],
  ["MEMBER", "Member: sees everything, changes nothing"],
];

/**
 * Who is in the workspace, and (for owners) inviting, re-roling and
 * removing them. People join by accepting an invitation's link with an
 * account of the invited email: membership is by consent.
 */
export function MembersPage() {
  const workspace = useWorkspace();
  const isOwner = workspace.role === "OWNER";
  // Admins invite staff too (admins and members); only owners re-role, remove, or make owners.
  const invitable = ROLES.filter(([role]) => isOwner || role !== "OWNER");
  const [{ data, error }, refetch] = useQuery({ query: Members, variables: { workspaceId: workspace.id } });
  const [invited, invite] = useMutation(InviteMember);
  const [, withdraw] = useMutation(RevokeInvitation);
  const [changed, change] = useMutation(ChangeMemberRole);
  const [, remove] = useMutation(RemoveMember);
  const inviteErrors = useFieldErrors(invited.error);
  const [link, setLink] = useState<{ email: string; link: string; emailed: boolean } | null>(null);
  const reload = () => refetch({ requestPolicy: "network-only" });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    const { data } = await invite({ workspaceId: workspace.id, email: String(fields.get("email")).trim(), role: String(fields.get("role")) as Role });
    if (data) {
      form.reset();
      setLink({ email: data.inviteMember.invitation.email, link: data.inviteMember.link, emailed: data.inviteMember.emailed });
      reload();
    }
  }

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const problem = messageOutsideFields(invited.error) ?? messageOf(changed.error);
  const pending = data.workspace.invitations.edges.map((e) => e.node);
  return (
    <section aria-labelledby="members-heading">
      <h1 id="members-heading">Members of {workspace.name}</h1>
      {workspace.canEdit && (
        <Form onSubmit={submit} className="row ask-row" aria-label="Invite a member" {...inviteErrors}>
          <TextField name="email" type="email" isRequired>
            <Label>Their email</Label>
            <Input />
            <FieldError />
          </TextField>
          <label className="native">
            Role
            <select name="role" defaultValue="MEMBER">
              {invitable.map(([role, label]) => (
                <option key={role} value={role}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <Button type="submit" className="primary" isDisabled={invited.fetching}>
            Invite
          </Button>
        </Form>
      )}
      {problem && <p role="alert">{problem}</p>}
      {link && (
        <div role="status" className="invitation-link">
          <p>
            {link.emailed ? `Parley emailed this link to ${link.email}; you may send it yourself too.` : `Send this link to ${link.email}.`} It works once, for
            an account with that email, and Parley cannot show it again.
          </p>
          <Snippet title="Invitation link" code={link.link} />
        </div>
      )}
      {pending.length > 0 && (
        <table className="sources" aria-label="Pending invitations">
          <thead>
            <tr>
              <th scope="col">Invited</th>
              <th scope="col">Role</th>
              <th scope="col">Expires</th>
              {workspace.canEdit && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {pending.map((invitation) => (
              <tr key={invitation.id}>
                <th scope="row" data-label="Invited">
                  {invitation.email}
                </th>
                <td data-label="Role">{invitation.role.toLowerCase()}</td>
                <td data-label="Expires">{day(invitation.expiresAt)}</td>
                {workspace.canEdit && (
                  <td data-label="Actions">
                    {(isOwner || invitation.role !== "OWNER") && (
                      <Confirm
                        label="Withdraw"
                        done="Invitation withdrawn: its link no longer works."
                        title={`Withdraw the invitation to ${invitation.email}?`}
                        body="Its link stops working."
                        onConfirm={async () => {
                          const result = await withdraw({ id: invitation.id });
                          if (!result.error) reload();
                          return result;
                        }}
                      />
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <table className="sources" aria-label="Members">
        <thead>
          <tr>
            <th scope="col">Who</th>
            <th scope="col">Role</th>
            <th scope="col">Since</th>
            {isOwner && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {data.workspace.members.edges.map(({ node: m }) => (
            <tr key={m.id}>
              <th scope="row" data-label="Who">
                {m.user.name ?? m.user.email}
                {m.user.name && <div className="muted">{m.user.email}</div>}
              </th>
              <td data-label="Role">
                {isOwner ? (
                  <select
                    aria-label={`Role of ${m.user.email}`}
                    value={m.role}
                    onChange={async (event) => {
                      await change({ workspaceId: workspace.id, userId: m.user.id, role: event.target.value as Role });
                      reload();
                    }}
                  >
                    {ROLES.map(([role]) => (
                      <option key={role} value={role}>
                        {role.toLowerCase()}
                      </option>
                    ))}
                  </select>
                ) : (
                  m.role.toLowerCase()
                )}
              </td>
              <td data-label="Since">{day(m.createdAt)}</td>
              {isOwner && (
                <td data-label="Actions">
                  <Confirm
                    label="Remove"
                    done="Member removed."
                    title={`Remove ${m.user.email}?`}
                    body="They lose access to this workspace's bots at once."
                    onConfirm={async () => {
                      const result = await remove({ workspaceId: workspace.id, userId: m.user.id });
                      if (!result.error) reload();
                      return result;
                    }}
                  />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
