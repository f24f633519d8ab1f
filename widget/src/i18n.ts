/** The widget's own words, in the languages a bot's `widgetTheme.language` may name. */
export interface Strings {
  placeholder: string;
  send: string;
  stop: string;
  stopLabel: string;
  ask: (bot: string) => string;
  newChat: string;
  newChatTitle: string;
  close: string;
  conversation: (bot: string) => string;
  you: string;
  sources: string;
  page: (n: number) => string;
  helpful: string;
  notHelpful: string;
  stopped: string;
  failed: string;
  refused: string;
  offline: string;
  offlineWaiting: string;
  lost: string;
  rateLimited: (seconds: number) => string;
  error: string;
  chatWith: (bot: string) => string;
  talkToPerson: string;
  waiting: (position: number | null | undefined) => string;
  personJoined: (name: string) => string;
  personLeft: (name: string) => string;
  personClosed: (name: string) => string;
  personTyping: (name: string) => string;
  nobodyAvailable: string;
  leaveInstead: string;
  leadTitle: string;
  leadName: string;
  leadEmail: string;
  leadPhone: string;
  leadMessage: string;
  leadSend: string;
  leadSent: string;
  cancel: string;
}

const en: Strings = {
  placeholder: "Ask a question…",
  send: "Send",
  stop: "Stop",
  stopLabel: "Stop the answer",
  ask: (bot) => `Ask ${bot} a question`,
  newChat: "New chat",
  newChatTitle: "Start a new conversation",
  close: "Close chat",
  conversation: (bot) => `Conversation with ${bot}`,
  you: "You: ",
  sources: "Sources",
  page: (n) => `page ${n}`,
  helpful: "Helpful",
  notHelpful: "Not helpful",
  stopped: "Stopped.",
  failed: "This answer could not be completed.",
  refused: "This chat is not available here.",
  offline: "You are offline.",
  offlineWaiting: "You are offline. Your question will be sent when the connection is back.",
  lost: "Connection lost. Reconnecting…",
  rateLimited: (s) => `Too many questions for now. You can ask again in ${s} s.`,
  error: "Something went wrong. Please try again.",
  chatWith: (bot) => `Chat with ${bot}`,
  talkToPerson: "Talk to a person",
  waiting: (n) => (n ? `Waiting for a person… You are number ${n} in line.` : "Waiting for a person…"),
  personJoined: (name) => `${name} joined the conversation.`,
  personLeft: (name) => `${name} left. The assistant answers again.`,
  personClosed: (name) => `${name} closed the conversation.`,
  personTyping: (name) => `${name} is typing…`,
  nobodyAvailable: "Nobody can come right now. Leave a message and we will reply by email.",
  leaveInstead: "Leave a message instead",
  leadTitle: "Leave a message",
  leadName: "Your name",
  leadEmail: "Your email",
  leadPhone: "Your phone number",
  leadMessage: "Your message",
  leadSend: "Send message",
  leadSent: "Thank you. We will reply by email.",
  cancel: "Cancel",
};

const de: Strings = {
  placeholder: "Stellen Sie eine Frage…",
  send: "Senden",
  stop: "Stopp",
  stopLabel: "Antwort abbrechen",
  ask: (bot) => `Frage an ${bot}`,
  newChat: "Neuer Chat",
  newChatTitle: "Neues Gespräch beginnen",
  close: "Chat schließen",
  conversation: (bot) => `Gespräch mit ${bot}`,
  you: "Sie: ",
  sources: "Quellen",
  page: (n) => `Seite ${n}`,
  helpful: "Hilfreich",
  notHelpful: "Nicht hilfreich",
  stopped: "Abgebrochen.",
  failed: "Diese Antwort konnte nicht abgeschlossen werden.",
  refused: "Dieser Chat ist hier nicht verfügbar.",
  offline: "Sie sind offline.",
  offlineWaiting: "Sie sind offline. Ihre Frage wird gesendet, sobald die Verbindung wieder da ist.",
  lost: "Verbindung unterbrochen. Neuer Versuch…",
  rateLimited: (s) => `Zu viele Fragen. Sie können in ${s} s wieder fragen.`,
  error: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
  chatWith: (bot) => `Chat mit ${bot}`,
  talkToPerson: "Mit einem Menschen sprechen",
  waiting: (n) => (n ? `Sie werden verbunden… Sie sind Nummer ${n} in der Warteschlange.` : "Sie werden verbunden…"),
  personJoined: (name) => `${name} ist dem Gespräch beigetreten.`,
  personLeft: (name) => `${name} hat das Gespräch verlassen. Der Assistent antwortet wieder.`,
  personClosed: (name) => `${name} hat das Gespräch beendet.`,
  personTyping: (name) => `${name} schreibt…`,
  nobodyAvailable: "Gerade ist niemand erreichbar. Hinterlassen Sie eine Nachricht, wir antworten per E-Mail.",
  leaveInstead: "Stattdessen eine Nachricht hinterlassen",
  leadTitle: "Nachricht hinterlassen",
  leadName: "Ihr Name",
  leadEmail: "Ihre E-Mail-Adresse",
  leadPhone: "Ihre Telefonnummer",
  leadMessage: "Ihre Nachricht",
  leadSend: "Nachricht senden",
  leadSent: "Vielen Dank. Wir antworten Ihnen per E-Mail.",
  cancel: "Abbrechen",
};

const fr: Strings = {
  placeholder: "Posez une question…",
  send: "Envoyer",
  stop: "Arrêter",
  stopLabel: "Arrêter la réponse",
  ask: (bot) => `Poser une question à ${bot}`,
  newChat: "Nouvelle discussion",
  newChatTitle: "Commencer une nouvelle conversation",
  close: "Fermer la discussion",
  conversation: (bot) => `Conversation avec ${bot}`,
  you: "Vous : ",
  sources: "Sources",
  page: (n) => `page ${n}`,
  helpful: "Utile",
  notHelpful: "Pas utile",
  stopped: "Arrêté.",
  failed: "Cette réponse n’a pas pu être terminée.",
  refused: "Cette discussion n’est pas disponible ici.",
  offline: "Vous êtes hors ligne.",
  offlineWaiting: "Vous êtes hors ligne. Votre question partira dès le retour de la connexion.",
  lost: "Connexion perdue. Reconnexion…",
  rateLimited: (s) => `Trop de questions. Vous pourrez en poser une autre dans ${s} s.`,
  error: "Une erreur est survenue. Veuillez réessayer.",
  chatWith: (bot) => `Discuter avec ${bot}`,
  talkToPerson: "Parler à une personne",
  waiting: (n) => (n ? `Mise en relation… Vous êtes numéro ${n} dans la file.` : "Mise en relation…"),
  personJoined: (name) => `${name} a rejoint la conversation.`,
  personLeft: (name) => `${name} est parti·e. L’assistant répond de nouveau.`,
  personClosed: (name) => `${name} a clos la conversation.`,
  personTyping: (name) => `${name} écrit…`,
  nobodyAvailable: "Personne n’est disponible pour le moment. Laissez un message, nous répondrons par e-mail.",
  leaveInstead: "Laisser plutôt un message",
  leadTitle: "Laisser un message",
  leadName: "Votre nom",
  leadEmail: "Votre e-mail",
  leadPhone: "Votre numéro de téléphone",
  leadMessage: "Votre message",
  leadSend: "Envoyer le message",
  leadSent: "Merci. Nous vous répondrons par e-mail.",
  cancel: "Annuler",
};

const nl: Strings = {
  placeholder: "Stel een vraag…",
  send: "Versturen",
  stop: "Stoppen",
  stopLabel: "Antwoord stoppen",
  ask: (bot) => `Stel ${bot} een vraag`,
  newChat: "Nieuw gesprek",
  newChatTitle: "Begin een nieuw gesprek",
  close: "Chat sluiten",
  conversation: (bot) => `Gesprek met ${bot}`,
  you: "U: ",
  sources: "Bronnen",
  page: (n) => `pagina ${n}`,
  helpful: "Nuttig",
  notHelpful: "Niet nuttig",
  stopped: "Gestopt.",
  failed: "Dit antwoord kon niet worden afgemaakt.",
  refused: "Deze chat is hier niet beschikbaar.",
  offline: "U bent offline.",
  offlineWaiting: "U bent offline. Uw vraag wordt verstuurd zodra de verbinding terug is.",
  lost: "Verbinding verbroken. Opnieuw verbinden…",
  rateLimited: (s) => `Te veel vragen. Over ${s} s kunt u weer iets vragen.`,
  error: "Er ging iets mis. Probeer het opnieuw.",
  chatWith: (bot) => `Chat met ${bot}`,
  talkToPerson: "Met een medewerker praten",
  waiting: (n) => (n ? `U wordt doorverbonden… U bent nummer ${n} in de wachtrij.` : "U wordt doorverbonden…"),
  personJoined: (name) => `${name} neemt deel aan het gesprek.`,
  personLeft: (name) => `${name} is vertrokken. De assistent antwoordt weer.`,
  personClosed: (name) => `${name} heeft het gesprek gesloten.`,
  personTyping: (name) => `${name} typt…`,
  nobodyAvailable: "Er is nu niemand beschikbaar. Laat een bericht achter, we antwoorden per e-mail.",
  leaveInstead: "Liever een bericht achterlaten",
  leadTitle: "Laat een bericht achter",
  leadName: "Uw naam",
  leadEmail: "Uw e-mailadres",
  leadPhone: "Uw telefoonnummer",
  leadMessage: "Uw bericht",
  leadSend: "Bericht versturen",
  leadSent: "Dank u. We antwoorden per e-mail.",
  cancel: "Annuleren",
};

const es: Strings = {
  placeholder: "Haz una pregunta…",
  send: "Enviar",
  stop: "Detener",
  stopLabel: "Detener la respuesta",
  ask: (bot) => `Pregunta a ${bot}`,
  newChat: "Nueva conversación",
  newChatTitle: "Empezar una conversación nueva",
  close: "Cerrar el chat",
  conversation: (bot) => `Conversación con ${bot}`,
  you: "Tú: ",
  sources: "Fuentes",
  page: (n) => `página ${n}`,
  helpful: "Útil",
  notHelpful: "No es útil",
  stopped: "Detenido.",
  failed: "No se pudo completar esta respuesta.",
  refused: "Este chat no está disponible aquí.",
  offline: "Estás sin conexión.",
  offlineWaiting: "Estás sin conexión. Tu pregunta se enviará cuando vuelva la conexión.",
  lost: "Conexión perdida. Reconectando…",
  rateLimited: (s) => `Demasiadas preguntas. Podrás preguntar de nuevo en ${s} s.`,
  error: "Algo salió mal. Inténtalo de nuevo.",
  chatWith: (bot) => `Chatear con ${bot}`,
  talkToPerson: "Hablar con una persona",
  waiting: (n) => (n ? `Conectando con una persona… Eres el número ${n} en la cola.` : "Conectando con una persona…"),
  personJoined: (name) => `${name} se ha unido a la conversación.`,
  personLeft: (name) => `${name} se ha ido. El asistente vuelve a responder.`,
  personClosed: (name) => `${name} ha cerrado la conversación.`,
  personTyping: (name) => `${name} está escribiendo…`,
  nobodyAvailable: "Ahora no hay nadie disponible. Deja un mensaje y te responderemos por correo.",
  leaveInstead: "Dejar un mensaje en su lugar",
  leadTitle: "Deja un mensaje",
  leadName: "Tu nombre",
  leadEmail: "Tu correo electrónico",
  leadPhone: "Tu número de teléfono",
  leadMessage: "Tu mensaje",
  leadSend: "Enviar mensaje",
  leadSent: "Gracias. Te responderemos por correo electrónico.",
  cancel: "Cancelar",
};

const LANGUAGES: Record<string, Strings> = { en, de, fr, nl, es };

/** The strings for a language code; English for one the widget does not speak. */
export const stringsFor = (language: string | null | undefined): Strings => LANGUAGES[language ?? "en"] ?? en;
