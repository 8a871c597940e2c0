#!/bin/bash
# Batching / sequence-length experiments with the product's PyTorch fp32 path (timing only, except maxlen 256).
cd "$(dirname "$0")"
P="nice -n 10 venv/bin/python bench.py"
$P --name torch_fp32_bs16_cpu --no-quality > results/torch_fp32_bs16_cpu.log 2>&1
$P --name torch_fp32_bs16_perbatch_random --mode perbatch-random --no-quality > results/t2.log 2>&1
$P --name torch_fp32_bs16_maxlen256 --maxlen 256 --n-quality 100 > results/t3.log 2>&1
$P --name torch_fp32_bs4 --batch 4 --no-quality > results/t4.log 2>&1
$P --name torch_fp32_bs32 --batch 32 --no-quality > results/t5.log 2>&1
