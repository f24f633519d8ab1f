/**
 * Whether a visitor's message asks for a person rather than for an answer,
 * in the languages the widget speaks. Kept to phrasings that ask for a
 * person outright ("can I talk to a human", "agent please"): a question
 * about people ("who is your sales agent?") is a question for the bot.
 */

// A person, in each language (accents removed before matching).
const PERSON = [
  // English
  "human",
  "(?:real|live|actual) (?:person|agent|people)",
  "(?:a |an |some )?(?:person|agent|operator|representative|rep|someone|somebody|staff|support agent|customer service)",
  // German
  "(?:einem |einer )?(?:menschen|mensch|mitarbeiter(?:in)?|person|berater(?:in)?|kundendienst|support)",
  // French
  "(?:un |une )?(?:humain|personne|conseiller|conseillere|agent|operateur|quelqu'un)",
  // Dutch
  "(?:een )?(?:mens|medewerker|persoon|iemand)",
  // Spanish
  "(?:un |una )?(?:humano|persona|agente|asesor|operador)",
].join("|");

const ASKS = [
  // English: "talk to a human", "speak with an agent", "connect me to someone", "I want a person"
  new RegExp(`\\b(?:talk|speak|chat|connect me|put me through|transfer me)\\s+(?:to|with)\\s+(?:a |an )?(?:${PERSON})\\b`),
  new RegExp(
    `\\b(?:i want|i need|i'd like|get me|give me)\\s+(?:a |an |to talk to a |to speak to a )?(?:human|real person|live agent|person|agent|operator)\\b`,
  ),
  /^(?:human|agent|operator|live agent|real person|representative)(?:\s+please)?[.!?]*$/,
  // German: "mit einem Menschen sprechen", "ich möchte einen Mitarbeiter"
  new RegExp(`\\bmit (?:${PERSON}) (?:sprechen|reden|chatten)\\b`),
  /\b(?:ich (?:mochte|will|brauche)) (?:einen |eine )?(?:menschen|mitarbeiter(?:in)?|echte person)\b/,
  // French: "parler à un humain", "je veux un conseiller"
  new RegExp(`\\b(?:parler|discuter) (?:a|avec) (?:${PERSON})\\b`),
  /\bje (?:veux|voudrais) (?:un |une )?(?:humain|conseiller|conseillere|vraie personne)\b/,
  // Dutch: "met een mens praten", "ik wil een medewerker spreken"
  new RegExp(`\\bmet (?:${PERSON}) (?:praten|spreken|chatten)\\b`),
  /\bik wil (?:een )?(?:mens|medewerker)\b/,
  // Spanish: "hablar con una persona", "quiero un agente"
  new RegExp(`\\bhablar con (?:${PERSON})\\b`),
  /\bquiero (?:un |una )?(?:humano|agente|asesor|persona real)\b/,
];

export function asksForPerson(message: string): boolean {
  // Short requests only: a long message is a question that happens to mention people.
  if (message.length > 160) return false;
  const text = message
    .toLowerCase()
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .replace(/[’`]/g, "'")
    .replace(/\s+/g, " ")
    .trim();
  return ASKS.some((pattern) => pattern.test(text));
}
