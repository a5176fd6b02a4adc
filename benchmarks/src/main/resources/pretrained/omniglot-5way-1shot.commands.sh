# From the repository root of a clean clone at f7018d9, on 2 shared CPU cores (nd4j-native, OpenBLAS), 2026-12-01.
# Meta-train second-order MAML, Finn et al.'s 5-way 1-shot recipe but 1 inner step of 0.4 (3 at test), 2,500
# iterations of 32 tasks; the run keeps best.zip by validation accuracy (100 episodes every 500 iterations).
java -jar benchmarks/target/dl4j-meta.jar train --dataset omniglot --data-dir ../shared/datasets/omniglot \
  --ways 5 --shots 1 --queries 5 --algo maml --inner-steps 1 --test-inner-steps 3 --inner-step-size 0.4 \
  --meta-batch-size 32 --meta-lr 0.001 --iterations 2500 --val-every 500 --val-episodes 100 --checkpoint-every 250 \
  --log-every 50 --threads 2 --seed 1 --test-episodes 600 --run-dir /work/runs/ship-5w1s
P=benchmarks/src/main/resources/pretrained
cp /work/runs/ship-5w1s/best.zip $P/omniglot-5way-1shot.zip
cp /work/runs/ship-5w1s/provenance.json $P/omniglot-5way-1shot.provenance.json
cp /work/runs/ship-5w1s/summary.json $P/omniglot-5way-1shot.summary.json
# then, with the app rebuilt around the new model: 600 Vinyals test episodes, 15 queries per class, both batch norms
java -jar benchmarks/target/dl4j-meta.jar eval --model pretrained:omniglot-5way-1shot --split test --episodes 600 \
  --queries 15 --seed 1 --out $P/omniglot-5way-1shot.eval-omniglot-test-seed1.json --overwrite
java -jar benchmarks/target/dl4j-meta.jar eval --model pretrained:omniglot-5way-1shot --split test --episodes 600 \
  --queries 15 --seed 1 --batch-norm support --out $P/omniglot-5way-1shot.eval-omniglot-test-seed1-bn-support.json \
  --overwrite
