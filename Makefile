# The two set-up commands of README.md: `make demo` and `make test`.
# Both install the system libraries first when they are missing.

PRETEXT := .build/release/pretext

.PHONY: demo demo-electra test system-libraries release clean

# The end-to-end smoke run: bundled English sample → WordPiece vocabulary → BERT NSP shards with
# dynamic masking → 300 steps of a tiny BERT (pipelines/models/bert-tiny.json) → summary, loss
# curve and checkpoint under runs/demo. Then the Korean pipeline's shards, verified, and last the
# report page of the build and the run, runs/demo/report.html.
demo: system-libraries release
	rm -rf shards/demo-vocab shards/demo-bert shards/korean-bert runs/demo
	$(PRETEXT) vocab train --model wordpiece --size 8000 corpora/en-sample.txt --output shards/demo-vocab
	$(PRETEXT) build pipelines/bert-nsp.toml --tokenizer shards/demo-vocab/tokenizer.json --set masking.mode=dynamic --output shards/demo-bert --threads 2
	$(PRETEXT) stats shards/demo-bert
	$(PRETEXT) verify shards/demo-bert
	$(PRETEXT) batches shards/demo-bert --batch-size 2 --vocab shards/demo-vocab/tokenizer.json
	$(PRETEXT) train --shards shards/demo-bert --model pipelines/models/bert-tiny.json --steps 300 --lr 1e-3 --warmup 10 --decay constant --run runs/demo --log-every 25
	$(PRETEXT) build pipelines/korean-bert.toml --threads 2
	$(PRETEXT) inspect shards/korean-bert --record 0 --vocab pipelines/vocab/korean-wordpiece-4k/tokenizer.json
	$(PRETEXT) verify shards/korean-bert
	$(PRETEXT) report shards/demo-bert --run runs/demo --output runs/demo/report.html --vocab shards/demo-vocab/tokenizer.json

# ELECTRA's smoke run: pipelines/electra.toml shards of the English sample (dynamic masks: 85%
# [MASK], 15% kept) → ELECTRA_STEPS (3000, about 20 minutes on 2 cores) steps of
# pipelines/models/electra-tiny.json (generator 32 wide, discriminator 128) → `pretext eval`:
# the generator's MLM loss against ln V and the discriminator's replaced-token accuracy against
# always answering "original" → the report page with the run, runs/electra/report.html. On this
# 1.3 MB sample the discriminator stays at the always-original baseline for about 1,500 steps
# (as Hugging Face's ElectraForPreTraining does, measured side by side: docs/TRAINER.md) before
# it starts to find replaced tokens.
ELECTRA_STEPS ?= 3000
demo-electra: system-libraries release
	rm -rf shards/electra runs/electra
	$(PRETEXT) build pipelines/electra.toml --threads 2
	$(PRETEXT) stats shards/electra
	$(PRETEXT) train --shards shards/electra --model pipelines/models/electra-tiny.json --steps $(ELECTRA_STEPS) --lr 1e-3 --warmup 10 --run runs/electra --log-every 250
	$(PRETEXT) eval --shards shards/electra --checkpoint runs/electra --batches 20
	$(PRETEXT) report shards/electra --run runs/electra --output runs/electra/report.html

test: system-libraries
	swift build --build-tests
	swift test
	bash scripts/python-tests.sh
	bash scripts/distributed-tests.sh
	bash scripts/machine-fault-tests.sh
	bash scripts/report-browser-test.sh
	CORPUS=corpora/en-sample.txt PRETEXT=.build/debug/pretext WORK=/tmp/pretext-soak-ci TRAIN_STEPS=12 bash benchmarks/crash_soak.sh 5
	rm -rf /tmp/pretext-fuzz-ci
	FUZZ_SEED=1 WORK=/tmp/pretext-fuzz-ci PRETEXT=.build/debug/pretext bash benchmarks/fuzz.sh 20

release:
	swift build -c release --product pretext

system-libraries:
	@bash scripts/install-system-libraries.sh

clean:
	rm -rf .build shards/bert-nsp shards/korean-bert shards/demo-vocab shards/demo-bert runs/demo shards/electra runs/electra
