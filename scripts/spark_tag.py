"""`conflict-ner tag` as an Apache Spark `RDD.pipe` stage (PySpark, local mode).

Each partition of a JSONL RDD is piped through one `conflict-ner tag` process:
Spark writes the partition's lines to its stdin and reads the tagged JSONL lines
back from its stdout, in order. The script then tags the same input with a plain
`conflict-ner tag` run and checks that Spark's output equals it line for line.

Usage: python3 scripts/spark_tag.py BIN MODEL INPUT.jsonl OUTPUT.jsonl [PARTITIONS]
(run through scripts/spark-tag.sh, which sets up PySpark).
"""
import shlex
import subprocess
import sys

from pyspark.sql import SparkSession


def main():
    binary, model, source, output = sys.argv[1:5]
    partitions = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    command = f"{shlex.quote(binary)} tag --model {shlex.quote(model)} --quiet"

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("conflict-ner tag")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    lines = spark.sparkContext.textFile(source, minPartitions=partitions)
    # One `tag` process per partition; it reads JSONL on stdin, line by line, and
    # writes one JSONL line per document, in input order.
    tagged = lines.pipe(command)
    got = tagged.collect()
    used = lines.getNumPartitions()
    spark.stop()

    with open(output, "w", encoding="utf-8") as out:
        for line in got:
            out.write(line + "\n")

    with open(source, "rb") as inp:
        plain = subprocess.run(shlex.split(command), stdin=inp, capture_output=True, check=True)
    want = plain.stdout.decode("utf-8").splitlines()
    if got != want:
        bad = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        sys.exit(
            f"spark-tag: Spark's output differs from a plain run at line {bad + 1} "
            f"({len(got)} lines from Spark, {len(want)} from the plain run)"
        )
    print(f"spark-tag: {len(got)} documents in {used} partitions; Spark's output equals a plain `tag` run")


if __name__ == "__main__":
    main()
