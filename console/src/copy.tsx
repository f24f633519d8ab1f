import { useState } from "react";
import { Button } from "react-aria-components";

/** Copies text, and says so for a moment. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      aria-label={label}
      onPress={async () => {
        await navigator.clipboard.writeText(text);
        setCopied(true);
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      {copied ? "Copied" : "Copy"}
    </Button>
  );
}

/** A secret or a snippet to copy, with its title. */
export function Snippet({ title, code }: { title: string; code: string }) {
  return (
    <div className="snippet">
      <div className="snippet-head">
        <span>{title}</span>
        <CopyButton text={code} label={`Copy the ${title.toLowerCase()}`} />
      </div>
      {/* Focusable: a long line scrolls, and a keyboard must be able to scroll it. */}
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
    </div>
  );
}
