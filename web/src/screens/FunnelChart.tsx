import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/** FunnelChart draws the funnel's steps as bars; the numbers beside it say the same for screen readers. */
export default function FunnelChart({ steps }: { steps: { name: string; value: number }[] }) {
  return (
    <div aria-hidden style={{ width: '100%', height: 220 }}>
      <ResponsiveContainer>
        <BarChart accessibilityLayer={false} data={steps} margin={{ top: 16, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="name" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="value" fill="#1864ab" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
