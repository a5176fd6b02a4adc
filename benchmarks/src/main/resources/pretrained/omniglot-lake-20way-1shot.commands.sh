# From the repository root of a clean clone at f7018d9, on 2 shared CPU cores (nd4j-native, OpenBLAS), 2026-12-01.
# Meta-train second-order MAML 20-way 1-shot on Lake et al.'s background alphabets only (25 for training, 5 held
# out for validation; no rotated copies), episodes drawn within one alphabet, 1 inner step of 0.4 (3 at test),
# 2,000 iterations of 16 tasks; the run keeps best.zip by validation accuracy (100 episodes every 500 iterations).
java -jar benchmarks/target/dl4j-meta.jar train --dataset omniglot --data-dir ../shared/datasets/omniglot \
  --split lake --episodes within-alphabet --ways 20 --shots 1 --queries 5 --algo maml --inner-steps 1 \
  --test-inner-steps 3 --inner-step-size 0.4 --meta-batch-size 16 --meta-lr 0.001 --iterations 2000 \
  --val-every 500 --val-episodes 100 --checkpoint-every 250 --log-every 50 --threads 2 --seed 1 \
  --test-episodes 0 --run-dir /work/runs/ship-lake-20w1s
P=benchmarks/src/main/resources/pretrained
cp /work/runs/ship-lake-20w1s/best.zip $P/omniglot-lake-20way-1shot.zip
cp /work/runs/ship-lake-20w1s/provenance.json $P/omniglot-lake-20way-1shot.provenance.json
cp /work/runs/ship-lake-20w1s/summary.json $P/omniglot-lake-20way-1shot.summary.json
# then, with the app rebuilt around the new model: 600 test episodes of the 20 evaluation alphabets, 15 queries per
# class; Lake et al.'s within-alphabet episodes with both batch norms, and uniform episodes
java -jar benchmarks/target/dl4j-meta.jar eval --model pretrained:omniglot-lake-20way-1shot --split lake \
  --episodes within-alphabet,600 --queries 15 --seed 1 --overwrite \
  --out $P/omniglot-lake-20way-1shot.eval-lake-test-within-alphabet-seed1.json
java -jar benchmarks/target/dl4j-meta.jar eval --model pretrained:omniglot-lake-20way-1shot --split lake \
  --episodes within-alphabet,600 --queries 15 --seed 1 --batch-norm support --overwrite \
  --out $P/omniglot-lake-20way-1shot.eval-lake-test-within-alphabet-seed1-bn-support.json
java -jar benchmarks/target/dl4j-meta.jar eval --model pretrained:omniglot-lake-20way-1shot --split lake \
  --episodes uniform,600 --queries 15 --seed 1 --overwrite \
  --out $P/omniglot-lake-20way-1shot.eval-lake-test-uniform-seed1.json
