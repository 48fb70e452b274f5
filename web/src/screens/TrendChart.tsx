import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export type TrendRow = { label: string; learningHours: number; enrollments: number; completions: number };

/**
 * TrendChart draws learning hours as bars and enrollments and completions as
 * lines; the table beside it says the same for screen readers.
 */
export default function TrendChart({ rows }: { rows: TrendRow[] }) {
  return (
    <div aria-hidden style={{ width: '100%', height: 260 }} data-testid="trend-chart">
      <ResponsiveContainer>
        <ComposedChart accessibilityLayer={false} data={rows} margin={{ top: 16, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" minTickGap={16} />
          <YAxis yAxisId="h" allowDecimals />
          <YAxis yAxisId="n" orientation="right" allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar yAxisId="h" dataKey="learningHours" name="Learning hours" fill="#1864ab" />
          <Line yAxisId="n" dataKey="enrollments" name="Enrollments" stroke="#e8590c" dot={false} />
          <Line yAxisId="n" dataKey="completions" name="Completions" stroke="#2b8a3e" dot={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
