import Foundation
import Testing
import PretextTestSupport

/// `pretext train` and `pretext eval` end to end with the real binary: a few steps of a tiny
/// BERT on shards built from the sample, the run folder's files, resume, evaluation.
@Suite(.serialized) struct TrainCommandTests {
    @Test func trainResumeAndEvaluate() throws {
        let shards = CLI.temporaryFolder() + "-train-shards"
        let build = try CLI.run(["build", "pipelines/bert-nsp.toml", "--output", shards, "--set", "masking.mode=dynamic",
                                 "--set", "task.max_seq_length=32", "--set", "output.unit_bytes=131072"])
        #expect(build.status == 0, "\(build.output)")
        let config = try TemporaryFolder.shared.file(named: "tiny-bert.json", text: """
            {"model_type": "bert", "vocab_size": 8000, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
             "intermediate_size": 32, "max_position_embeddings": 32, "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}
            """)
        let run = CLI.temporaryFolder() + "-run"
        let first = try CLI.run(["train", "--shards", shards, "--model", config, "--steps", "4", "--batch-size", "4", "--run", run, "--log-every", "2"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("summary") && first.output.contains("unigram entropy"))
        for file in ["metrics.jsonl", "loss.svg", "checkpoints/step-000004/model.safetensors", "checkpoints/step-000004/optimizer.safetensors",
                     "checkpoints/step-000004/config.json", "checkpoints/step-000004/trainer_state.json"] {
            #expect(FileManager.default.fileExists(atPath: run + "/" + file), "\(file) missing")
        }
        // A second plain run into the same folder is refused; --resume continues it.
        let again = try CLI.run(["train", "--shards", shards, "--model", config, "--steps", "4", "--run", run])
        #expect(again.status != 0 && again.output.contains("--resume"))
        let resumed = try CLI.run(["train", "--resume", run, "--steps", "6"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming \(run) at step 4 of 6"))
        let lines = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        let evaluated = try CLI.run(["eval", "--shards", shards, "--checkpoint", run, "--batch-size", "4", "--batches", "2"])
        #expect(evaluated.status == 0, "\(evaluated.output)")
        #expect(evaluated.output.contains("step-000006") && evaluated.output.contains("MLM loss"))
    }

    /// A run resumed from another working directory, and after its shards moved, gives the
    /// checkpoint bytes of a run that never stopped; a resume onto another build is refused.
    @Test func resumeWorksFromAnyFolderAndAfterTheShardsMove() throws {
        let base = try TemporaryFolder.shared.folder(named: "resume-anywhere")
        let root = CLI.packageRoot
        func build(_ out: String, seed: String) throws {
            let b = try CLI.run(["build", root + "/pipelines/bert-nsp.toml", "--input", root + "/corpora/en-sample.txt",
                                 "--tokenizer", root + "/pipelines/vocab/wordpiece-8k/tokenizer.json", "--output", out,
                                 "--set", "masking.mode=dynamic", "--set", "task.max_seq_length=32", "--set", "output.seed=" + seed], in: base)
            #expect(b.status == 0, "\(b.output)")
        }
        try build("nsp", seed: "5")
        try build("other", seed: "6")
        let config = try TemporaryFolder.shared.file(named: "anywhere-bert.json", text: """
            {"model_type": "bert", "vocab_size": 8000, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
             "intermediate_size": 32, "max_position_embeddings": 32}
            """)
        // Relative --shards and --run, from `base`.
        let train = ["train", "--shards", "nsp", "--model", config, "--steps", "6", "--batch-size", "4", "--checkpoint-every", "2", "--blas-threads", "1"]
        for run in ["full", "part"] {
            let t = try CLI.run(train + ["--run", run], in: base)
            #expect(t.status == 0, "\(t.output)")
        }
        let checkpoints = ["step-000006/model.safetensors", "step-000006/optimizer.safetensors", "step-000006/config.json", "step-000006/trainer_state.json"]
        func bytes(_ run: String) throws -> [Data] {
            try checkpoints.map { try Data(contentsOf: URL(fileURLWithPath: base + "/" + run + "/checkpoints/" + $0)) }
        }
        let expected = try bytes("full")
        // As if killed after step 2: the later checkpoints are gone.
        func rewind() throws {
            for step in ["step-000004", "step-000006"] { try FileManager.default.removeItem(atPath: base + "/part/checkpoints/" + step) }
        }
        try rewind()
        let resumed = try CLI.run(["train", "--resume", base + "/part"], in: "/")
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(try bytes("part") == expected, "a resume from / differs from the uninterrupted run")

        // The shards move: the recorded place is empty, --shards names the new one.
        try rewind()
        try FileManager.default.moveItem(atPath: base + "/nsp", toPath: base + "/moved")
        let lost = try CLI.run(["train", "--resume", base + "/part"], in: "/")
        #expect(lost.status != 0 && lost.output.contains("pass --shards with their new place"), "\(lost.output)")
        let other = try CLI.run(["train", "--resume", base + "/part", "--shards", base + "/other"], in: "/")
        #expect(other.status != 0 && other.output.contains("holds another build than the one"), "\(other.output)")
        let moved = try CLI.run(["train", "--resume", base + "/part", "--shards", base + "/moved"], in: "/")
        #expect(moved.status == 0, "\(moved.output)")
        let after = try bytes("part")
        #expect(Array(after.prefix(3)) == Array(expected.prefix(3)), "model, optimizer and config equal the uninterrupted run's")
        let state = try JSONSerialization.jsonObject(with: after[3]) as? [String: Any]
        #expect(state?["shards"] as? String == base + "/moved", "the state records the new place")
    }

    /// One config serves every tokenizer: vocab_size "auto" takes the shards' (8000 here, from
    /// the bundled WordPiece; the checkpoint records it), --set overrides fields, a typo is refused.
    @Test func vocabularyFromTheShardsAndConfigOverrides() throws {
        let shards = CLI.temporaryFolder() + "-auto-shards"
        let build = try CLI.run(["build", "pipelines/bert-nsp.toml", "--output", shards, "--set", "masking.mode=dynamic", "--set", "task.max_seq_length=32"])
        #expect(build.status == 0, "\(build.output)")
        let run = CLI.temporaryFolder() + "-auto-run"
        let trained = try CLI.run(["train", "--shards", shards, "--model", "pipelines/models/bert-tiny.json", "--set", "hidden_size=32",
                                   "--set", "intermediate_size=64", "--set", "max_position_embeddings=32", "--set", "hidden_act=gelu_new",
                                   "--steps", "1", "--batch-size", "2", "--run", run])
        #expect(trained.status == 0, "\(trained.output)")
        let data = try Data(contentsOf: URL(fileURLWithPath: run + "/checkpoints/step-000001/config.json"))
        let config = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(config?["vocab_size"] as? Int == 8000 && config?["hidden_size"] as? Int == 32 && config?["hidden_act"] as? String == "gelu_new")
        let typo = try CLI.run(["train", "--shards", shards, "--model", "pipelines/models/bert-tiny.json", "--set", "hiden_size=32",
                                "--steps", "1", "--run", run + "-typo"])
        #expect(typo.status != 0 && typo.output.contains("--set hiden_size: not a field of a bert config"), "\(typo.output)")
        let resumedWithSet = try CLI.run(["train", "--resume", run, "--set", "hidden_size=64"])
        #expect(resumedWithSet.status != 0 && resumedWithSet.output.contains("keeps its model config"), "\(resumedWithSet.output)")
    }

    /// A causal model trains on causal shards and evaluates as a language model (one loss,
    /// no pair head).
    @Test func gptTrainsAndEvaluatesAsALanguageModel() throws {
        let shards = CLI.temporaryFolder() + "-gpt-shards"
        let build = try CLI.run(["build", "pipelines/gpt-causal.toml", "--output", shards, "--set", "task.max_seq_length=32"])
        #expect(build.status == 0, "\(build.output)")
        let config = try TemporaryFolder.shared.file(named: "tiny-gpt.json", text: """
            {"model_type": "gpt2", "vocab_size": 8000, "n_embd": 16, "n_layer": 1, "n_head": 2, "n_inner": 32, "n_positions": 32}
            """)
        let run = CLI.temporaryFolder() + "-gpt-run"
        let trained = try CLI.run(["train", "--shards", shards, "--model", config, "--steps", "2", "--batch-size", "4", "--run", run])
        #expect(trained.status == 0, "\(trained.output)")
        let evaluated = try CLI.run(["eval", "--shards", shards, "--checkpoint", run, "--batch-size", "4", "--batches", "1"])
        #expect(evaluated.status == 0, "\(evaluated.output)")
        #expect(evaluated.output.contains("LM loss") && evaluated.output.contains("next-token accuracy"))
        #expect(!evaluated.output.contains("MLM") && !evaluated.output.contains("pair"))
    }
}
