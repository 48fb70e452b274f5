import { Component, type ReactNode } from 'react';
import { ErrorState } from './states';

/** ErrorBoundary shows a screen that failed to draw as an error, not a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error?: unknown; key?: string }> {
  state: { error?: unknown; key?: string } = {};
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  static getDerivedStateFromProps(props: { resetKey: string }, state: { error?: unknown; key?: string }) {
    // Leaving the screen clears its error.
    return props.resetKey !== state.key ? { error: undefined, key: props.resetKey } : null;
  }
  render() {
    if (this.state.error) return <ErrorState error={this.state.error} title="This screen failed" retry={() => this.setState({ error: undefined })} />;
    return this.props.children;
  }
}
