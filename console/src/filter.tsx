import { ToggleButton, ToggleButtonGroup } from "react-aria-components";

/**
 * A row of toggle buttons choosing one filter of a list ("All" is null):
 * sources by status, conversations by what needs the owner.
 */
export function FilterGroup<T extends string>({
  label,
  options,
  value,
  onChange,
}: {
  label: string;
  options: [T | null, string][];
  value: T | null;
  onChange: (value: T | null) => void;
}) {
  return (
    <ToggleButtonGroup
      aria-label={label}
      selectionMode="single"
      disallowEmptySelection
      selectedKeys={[value ?? "ALL"]}
      onSelectionChange={(keys) => {
        const key = [...keys][0];
        onChange(key === "ALL" || key === undefined ? null : (key as T));
      }}
      className="filter"
    >
      {options.map(([option, text]) => (
        <ToggleButton key={option ?? "ALL"} id={option ?? "ALL"}>
          {text}
        </ToggleButton>
      ))}
    </ToggleButtonGroup>
  );
}
