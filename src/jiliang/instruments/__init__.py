"""The mandatory-verification register: catalogue, instruments, verification history, recall notices."""
