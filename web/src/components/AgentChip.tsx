// An agent's name as a chip in its colour. Never cut short: the chip keeps
// its width and the text around it gives way (see .agent-chip).
import { colorFor } from '../format';

export function AgentChip({ name, onClick, title }: { name: string; onClick?: () => void; title?: string }) {
  const style = { borderLeftColor: colorFor(name) };
  if (onClick) {
    return (
      <button
        type="button"
        className="agent-chip"
        style={style}
        title={title ?? `Only traces in which ${name} ran`}
        data-testid="agent-chip"
        data-agent={name}
        onClick={(e) => {
          e.stopPropagation();
          onClick();
        }}
      >
        {name}
      </button>
    );
  }
  return (
    <span className="agent-chip" style={style} title={title} data-testid="agent-chip" data-agent={name}>
      {name}
    </span>
  );
}
