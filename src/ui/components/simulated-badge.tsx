/** The visible "simulated" label every result from a sim target carries. */
export function SimulatedBadge({
  title = 'Answered by a simulated (sim) target, not a real model',
}: {
  title?: string;
}) {
  return (
    <span class="badge badge-sim" title={title}>
      simulated
    </span>
  );
}
