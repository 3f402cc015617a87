"""Analysis: the numbers read from classified snapshots (shares with intervals, as-of estimates,
the timeline, explain), through the public views; classifying itself is classify/'s."""
