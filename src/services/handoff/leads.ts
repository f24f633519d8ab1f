import type { Bot } from "@prisma/client";
import { badInput } from "../errors.js";
import { email } from "../validation.js";

/** What a visitor writes in the message form. */
export interface LeadInput {
  name?: string | null;
  email: string;
  phone?: string | null;
  message: string;
}

const MAX_MESSAGE = 4000;

/** The form's fields checked against what the bot asks: email and message always, name and phone when the bot asks them. */
export function validLead(bot: Pick<Bot, "leadFields">, input: LeadInput): { name: string | null; email: string; phone: string | null; message: string } {
  const address = email.safeParse(input.email);
  if (!address.success) throw badInput("email: this is not an email address.", "email");
  const message = input.message.trim();
  if (!message) throw badInput("message: write what you would like to ask.", "message");
  if (message.length > MAX_MESSAGE) throw badInput(`message: at most ${MAX_MESSAGE} characters.`, "message");
  const optional = (field: "NAME" | "PHONE", value: string | null | undefined, max: number) => {
    const text = value?.trim() || null;
    if (!bot.leadFields.includes(field)) return null;
    if (text && text.length > max) throw badInput(`${field.toLowerCase()}: at most ${max} characters.`, field.toLowerCase());
    return text;
  };
  const phone = optional("PHONE", input.phone, 40);
  if (phone && !/^[+()\d\s./-]{5,40}$/.test(phone)) throw badInput("phone: digits, spaces and + ( ) - . / only.", "phone");
  return { name: optional("NAME", input.name, 200), email: address.data, phone, message };
}

/** Leads as CSV (RFC 4180), with cells that a spreadsheet would run as a formula made inert. */
export function leadsCsv(leads: { createdAt: Date; name: string | null; email: string; phone: string | null; message: string }[]): string {
  const cell = (value: string | null) => {
    let text = value ?? "";
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = leads.map((l) => [l.createdAt.toISOString(), l.name, l.email, l.phone, l.message].map(cell).join(","));
  return ["received,name,email,phone,message", ...rows].join("\r\n") + "\r\n";
}
