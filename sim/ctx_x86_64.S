/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim_ctx_switch(void **save_sp, void *new_sp): the coroutine switch.
 * Saves the callee-saved registers on the current stack, swaps stack
 * pointers and restores the other side's.  No system call (glibc's
 * swapcontext saves the signal mask with one on every switch).
 */
#if defined(__x86_64__)
	.text
	.globl	sim_ctx_switch
	.type	sim_ctx_switch, @function
sim_ctx_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	sim_ctx_switch, .-sim_ctx_switch
#endif
	.section .note.GNU-stack,"",@progbits
