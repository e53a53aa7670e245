"""Continues training the guide's model on PyTorch's distributed engine (DistributedDataParallel, one replica per
process, gradients all-reduced) from weights VisionLab exported, and writes a state_dict VisionLab loads back
(`visionlab evaluate|export|predict`). The recipe is the guide's, as VisionLab's Trainer runs it: AdamW 3e-4 /
0.05, CosineAnnealingWarmRestarts(T_0=10, T_mult=2) stepped per batch, label smoothing 0.1, MixUp (alpha 1.0) on
half the batches, clip_grad_norm_ 1.0; augmentation RandomCrop(32, padding 4) + horizontal flip. The optimizer
starts fresh (a .pt export holds the weights only).

One machine, two CPU processes (Gloo):
    visionlab export model.bin --format pytorch                       # -> model.pt
    torchrun --nproc_per_node 2 tests/golden/train_distributed.py model.pt --output model-ddp.pt
    visionlab evaluate model-ddp.pt --dataset fashion-mnist-bundled
GPUs (NCCL, chosen when CUDA is present), two machines with 8 GPUs each, run on both:
    torchrun --nnodes 2 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint HOST:29500 --rdzv_id job1 \
        tests/golden/train_distributed.py model.pt --output model-ddp.pt --data /shared/fashion-mnist

--batch-size is per process; the global batch is world_size times it, and --lr defaults to the recipe's 3e-4
scaled linearly with the global batch (3e-4 at 128). The test accuracy printed at the end is over the whole test
split (each rank evaluates its share, counts are all-reduced).
"""
import argparse
import gzip
import math
import os
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guide_models import ModernCNN, VisionTransformer  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def fail(message, every_rank=False):
    """One line (from rank 0 unless only this rank knows), and the process stops: bad input is not a bug."""
    if every_rank or int(os.environ.get("RANK", "0")) == 0:
        print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def read_idx(folder, name):
    """A Fashion-MNIST IDX file (gzipped or not) as a uint8 tensor."""
    for path in (os.path.join(folder, name + ".gz"), os.path.join(folder, name)):
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            try:
                with opener(path, "rb") as f:
                    data = f.read()
                dims = data[3]
                shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
                body = data[4 + 4 * dims:]
                if data[:2] != b"\0\0" or data[2] != 8 or len(body) != math.prod(shape):
                    raise ValueError("not a uint8 IDX file of the size its header states")
            except (OSError, EOFError, ValueError, IndexError) as e:
                fail(f"{path} is damaged or not an IDX file ({e}); restore it from the dataset")
            return torch.frombuffer(bytearray(body), dtype=torch.uint8).view(shape)
    fail(f"no {name}(.gz) in {folder}: pass --data with the Fashion-MNIST IDX files")


def load_split(folder, split, limit):
    images = read_idx(folder, f"{split}-images-idx3-ubyte")
    labels = read_idx(folder, f"{split}-labels-idx1-ubyte").long()
    if len(images) != len(labels):
        fail(f"{folder}: {len(images)} {split} images but {len(labels)} labels")
    return (images[:limit], labels[:limit]) if limit else (images, labels)


def prepare(images):
    """VisionLab's evaluation pipeline for 28x28 gray: pad to 32, repeat to RGB, scale to [0, 1], ImageNet-normalise."""
    x = F.pad(images.float().div(255).unsqueeze(1), (2, 2, 2, 2)).expand(-1, 3, -1, -1)
    return (x - MEAN) / STD


def augment(x):
    """RandomCrop(32, padding=4) and RandomHorizontalFlip, per image, on a normalised batch (pad value: black)."""
    black = ((0 - MEAN) / STD).expand(x.shape[0], 3, 40, 40).clone()
    black[:, :, 4:36, 4:36] = x
    offsets = torch.randint(0, 9, (x.shape[0], 2))
    flips = torch.rand(x.shape[0]) < 0.5
    out = torch.stack([black[i, :, r:r + 32, c:c + 32] for i, (r, c) in enumerate(offsets.tolist())])
    out[flips] = out[flips].flip(-1)
    return out


def build_model(name):
    if name == "modern-cnn":
        return ModernCNN(10)
    if name in ("vit-32", "vit-32-prenorm"):
        return VisionTransformer(img_size=32, patch_size=4, num_classes=10, embed_dim=192, depth=6, num_heads=3,
                                 norm_first=name.endswith("prenorm"))
    fail(f"--model {name}: use modern-cnn, vit-32 or vit-32-prenorm")


def load_weights(model, path, name):
    if not os.path.isfile(path):
        fail(f"no weights at {path}: write them with `visionlab export <weights> --format pytorch`")
    try:
        state = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - torch.load raises many types for a damaged file
        fail(f"{path} is not a PyTorch state_dict ({type(e).__name__}: {e})")
    if not isinstance(state, dict):
        fail(f"{path} holds a {type(state).__name__}, not a state_dict")
    mine = model.state_dict()
    missing, unexpected = sorted(set(mine) - set(state)), sorted(set(state) - set(mine))
    wrong = [k for k in mine if k in state and tuple(state[k].shape) != tuple(mine[k].shape)]
    if missing or unexpected or wrong:
        fail(f"{path} does not fit --model {name}: missing {missing[:3]}, unexpected {unexpected[:3]}, "
             f"other shapes {wrong[:3]}")
    model.load_state_dict(state)


def save_atomically(obj, path):
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        torch.save(obj, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("weights", help="the state_dict to start from (visionlab export --format pytorch)")
    parser.add_argument("--output", required=True, help="where rank 0 writes the trained state_dict (.pt)")
    parser.add_argument("--model", default="modern-cnn", help="modern-cnn, vit-32 or vit-32-prenorm")
    parser.add_argument("--data", default=os.path.join(ROOT, "data", "fashion-mnist"), help="folder with the IDX files")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64, help="per process")
    parser.add_argument("--lr", type=float, default=None, help="default: 3e-4 x global batch / 128")
    parser.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", help="resumable state, written atomically after every epoch")
    args = parser.parse_args()
    if args.epochs < 1 or args.batch_size < 1 or args.limit < 0:
        fail("--epochs and --batch-size must be at least 1, --limit at least 0")
    if not args.output.endswith((".pt", ".pth")):
        fail(f"--output {args.output}: VisionLab reads a PyTorch state_dict by the extension .pt or .pth")
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.access(folder, os.W_OK):
        fail(f"--output {args.output}: the folder {folder} does not exist or cannot be written")

    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    else:
        # Processes share the cores: each gets its part, as torchrun's OMP_NUM_THREADS=1 default would be too few.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", world))))

    model = build_model(args.model)
    load_weights(model, args.weights, args.model)
    train_images, train_labels = load_split(args.data, "train", args.limit)
    test_images, test_labels = load_split(args.data, "t10k", 0)
    model = model.to(device)
    ddp = DistributedDataParallel(model, device_ids=[device.index] if cuda else None)

    global_batch = args.batch_size * world
    lr = args.lr if args.lr is not None else 3e-4 * global_batch / 128
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=10, T_mult=2)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    sampler = DistributedSampler(range(len(train_images)), num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    first_epoch = 0
    if args.checkpoint and os.path.exists(args.checkpoint):
        state = torch.load(args.checkpoint, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        first_epoch = state["epoch"] + 1
        if rank == 0:
            print(f"resumed from {args.checkpoint} after epoch {first_epoch}", flush=True)
    if rank == 0:
        print(f"{world} processes ({'NCCL, CUDA' if cuda else 'Gloo, CPU'}), {len(train_images)} training images, "
              f"batch {args.batch_size} per process = {global_batch} global, lr {lr:.2e}", flush=True)

    for epoch in range(first_epoch, args.epochs):
        sampler.set_epoch(epoch)
        indices = torch.tensor(list(sampler))
        batches = math.ceil(len(indices) / args.batch_size)
        # Each epoch's draws (crops, flips, MixUp) follow from (seed, epoch, rank) alone, so a resumed run repeats them.
        torch.manual_seed(args.seed * 1_000_003 + epoch * 1009 + rank)
        ddp.train()
        total = torch.zeros(2, dtype=torch.float64, device=device)  # loss sum, images
        for b in range(batches):
            chunk = indices[b * args.batch_size:(b + 1) * args.batch_size]
            x = augment(prepare(train_images[chunk])).to(device)
            y = train_labels[chunk].to(device)
            mixed = torch.rand(1).item() < 0.5
            optimizer.zero_grad(set_to_none=True)
            if mixed:  # MixUp per batch (the guide's erratum 2: not per sample)
                lam = torch.distributions.Beta(1.0, 1.0).sample().item()
                order = torch.randperm(len(y)).to(device)
                out = ddp(lam * x + (1 - lam) * x[order])
                loss = lam * criterion(out, y) + (1 - lam) * criterion(out, y[order])
            else:
                loss = criterion(ddp(x), y)
            if not torch.isfinite(loss):
                fail(f"the loss became {loss.item()} at epoch {epoch + 1}, batch {b + 1}: lower --lr", every_rank=True)
            loss.backward()  # DDP all-reduces (averages) the gradients across processes here
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            scheduler.step(epoch + (b + 1) / batches)
            total += torch.tensor([loss.item() * len(y), len(y)], dtype=torch.float64, device=device)
        dist.all_reduce(total)
        if rank == 0:
            print(f"epoch {epoch + 1}/{args.epochs}: mean training loss {total[0].item() / total[1].item():.4f} "
                  f"over {int(total[1].item())} images", flush=True)
            if args.checkpoint:
                save_atomically({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                 "scheduler": scheduler.state_dict(), "epoch": epoch}, args.checkpoint)
        dist.barrier()

    # DDP copies rank 0's buffers to the others before each forward, but every rank then updates its batch-norm
    # running statistics from its own last batch: make them rank 0's, the ones written out, before evaluating.
    for buffer in model.buffers():
        dist.broadcast(buffer, src=0)
    model.eval()
    counts = torch.zeros(2, dtype=torch.int64, device=device)  # correct, images
    with torch.no_grad():
        mine = torch.arange(rank, len(test_images), world)  # every image exactly once across ranks
        for chunk in mine.split(256):
            logits = model(prepare(test_images[chunk]).to(device))
            counts += torch.tensor([(logits.argmax(1).cpu() == test_labels[chunk]).sum().item(), len(chunk)], device=device)
    dist.all_reduce(counts)
    if rank == 0:
        save_atomically({k: v.cpu() for k, v in model.state_dict().items()}, args.output)
        correct, seen = counts.tolist()
        print(f"test accuracy {correct / seen:.4f} ({correct}/{seen}); wrote {args.output}", flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
